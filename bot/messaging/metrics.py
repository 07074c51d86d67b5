"""A few Prometheus metrics in text exposition format, without a client library.

Counters live in the process; gauges that describe the shared database (tickets by status,
outbox backlog) are read from it when scraped.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

log = logging.getLogger("bot.outage")

LATENCY_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0, 1800.0)


@dataclass
class Metrics:
    updates_processed: int = 0
    handler_errors: int = 0
    webhook_rejected: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    deliveries: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))  # by outcome
    latency_buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    latency_sum: float = 0.0
    latency_count: int = 0
    last_api_success: float = 0.0  # time.time() of the last Bot API call that worked
    last_api_failure: float = 0.0  # … and of the last one that failed for network/5xx reasons
    outage_errors: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))  # by dependency
    down: dict[str, bool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, dependency: str, error: BaseException) -> None:
        """The database or the Bot API did not answer: counted always, logged once per outage."""
        with self._lock:
            self.outage_errors[dependency] += 1
            first = not self.down.get(dependency)
            self.down[dependency] = True
        if first:
            log.warning("%s unavailable (%s); waiting for it and carrying on", dependency, type(error).__name__)

    def ok(self, dependency: str) -> None:
        """It answered again: one line saying so."""
        with self._lock:
            was_down = self.down.get(dependency, False)
            self.down[dependency] = False
            errors = self.outage_errors[dependency]
        if was_down:
            log.warning("%s is back (%d failed calls so far, see /metrics)", dependency, errors)

    def observe_delivery(self, outcome: str, latency_s: float | None = None) -> None:
        with self._lock:
            self.deliveries[outcome] += 1
            if latency_s is not None:
                self.latency_sum += latency_s
                self.latency_count += 1
                for i, bound in enumerate(LATENCY_BUCKETS):
                    if latency_s <= bound:
                        self.latency_buckets[i] += 1

    def render(self, *, tickets_by_status: dict[str, int], outbox_backlog: int, intake_backlog: int) -> str:
        lines = [
            "# HELP qiaobot_updates_processed_total Telegram updates run through the handlers.",
            "# TYPE qiaobot_updates_processed_total counter",
            f"qiaobot_updates_processed_total {self.updates_processed}",
            "# HELP qiaobot_handler_errors_total Handler errors caught by the error handler.",
            "# TYPE qiaobot_handler_errors_total counter",
            f"qiaobot_handler_errors_total {self.handler_errors}",
            "# HELP qiaobot_webhook_rejected_total Webhook requests refused, by reason.",
            "# TYPE qiaobot_webhook_rejected_total counter",
            *(f'qiaobot_webhook_rejected_total{{reason="{k}"}} {v}' for k, v in sorted(self.webhook_rejected.items())),
            "# HELP qiaobot_outbox_deliveries_total Outbox delivery attempts, by outcome.",
            "# TYPE qiaobot_outbox_deliveries_total counter",
            *(f'qiaobot_outbox_deliveries_total{{outcome="{k}"}} {v}' for k, v in sorted(self.deliveries.items())),
            "# HELP qiaobot_outage_errors_total Calls that failed because the database or the Bot API was away.",
            "# TYPE qiaobot_outage_errors_total counter",
            *(f'qiaobot_outage_errors_total{{dependency="{k}"}} {v}' for k, v in sorted(self.outage_errors.items())),
            "# HELP qiaobot_dependency_up Whether the database / the Bot API answered the last call.",
            "# TYPE qiaobot_dependency_up gauge",
            *(f'qiaobot_dependency_up{{dependency="{k}"}} {0 if v else 1}' for k, v in sorted(self.down.items())),
            "# HELP qiaobot_outbox_backlog Messages waiting in the outbox.",
            "# TYPE qiaobot_outbox_backlog gauge",
            f"qiaobot_outbox_backlog {outbox_backlog}",
            "# HELP qiaobot_intake_backlog Stored updates not processed yet.",
            "# TYPE qiaobot_intake_backlog gauge",
            f"qiaobot_intake_backlog {intake_backlog}",
            "# HELP qiaobot_tickets Tickets by status.",
            "# TYPE qiaobot_tickets gauge",
            *(f'qiaobot_tickets{{status="{k}"}} {v}' for k, v in sorted(tickets_by_status.items())),
            "# HELP qiaobot_delivery_latency_seconds From queueing a message to Telegram accepting it.",
            "# TYPE qiaobot_delivery_latency_seconds histogram",
            *(
                f'qiaobot_delivery_latency_seconds_bucket{{le="{b:g}"}} {c}'
                for b, c in zip(LATENCY_BUCKETS, self.latency_buckets, strict=True)
            ),
            f'qiaobot_delivery_latency_seconds_bucket{{le="+Inf"}} {self.latency_count}',
            f"qiaobot_delivery_latency_seconds_sum {self.latency_sum:.3f}",
            f"qiaobot_delivery_latency_seconds_count {self.latency_count}",
        ]
        return "\n".join(lines) + "\n"
