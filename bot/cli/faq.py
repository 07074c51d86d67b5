"""``qiaobot faq check | ask``: validate the admin YAML, try questions against it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cli.common import FAQ_DIR_HELP, group, open_existing
from bot.config import Settings
from bot.db.uow import session_scope
from bot.directory.loader import check_directory
from bot.faq import repo
from bot.faq.evaluation import EvalSetError, as_the_bot_answers, evaluate, load_cases
from bot.faq.gaps import Asked, cluster, render
from bot.faq.loader import check_faq, load_faq
from bot.faq.matcher import FaqIndex
from bot.reports.canned import check_canned
from bot.reports.loader import check_federation


def add_commands(sub: Any) -> None:
    faq = group(sub, "faq", "check the FAQ files or try questions against them")
    check = faq.add_parser("check", help="validate every YAML file in FAQ_DIR (exit 1 on errors)")
    check.add_argument("--faq-dir", type=Path, help=FAQ_DIR_HELP)
    check.set_defaults(handler=cmd_check)
    ask = faq.add_parser("ask", help="answer questions (arguments, or one per line on stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per query per line")
    ask.add_argument("--faq-dir", type=Path, help=FAQ_DIR_HELP)
    ask.add_argument("query", nargs="*", help="questions; none: read lines from standard input")
    ask.set_defaults(handler=cmd_ask)
    ev = faq.add_parser("eval", help="measure the matcher on a labelled YAML set (entry id -> questions)")
    ev.add_argument("file", type=Path, help="labelled set, e.g. tests/data/eval/dev.yaml")
    ev.add_argument("--json", action="store_true", help="the same figures as one JSON object")
    ev.add_argument("--faq-dir", type=Path, help=FAQ_DIR_HELP)
    ev.set_defaults(handler=cmd_eval)
    gaps = faq.add_parser("gaps", help="what the bot could not answer, grouped (reads DATABASE_URL)")
    gaps.add_argument("--days", type=int, default=30, help="questions of the last N days (default 30)")
    gaps.add_argument("--limit", type=int, default=20, help="show at most this many groups (default 20)")
    gaps.add_argument("--json", action="store_true", help="a JSON list of groups, biggest first")
    gaps.set_defaults(handler=cmd_gaps)


def cmd_check(settings: Settings, _args: argparse.Namespace) -> int:
    faq, problems = check_faq(settings.faq_dir)
    federation, fed_problems = check_federation(settings.faq_dir)
    directory, dir_problems = check_directory(settings.faq_dir)
    _canned, canned_problems = check_canned(settings.faq_dir)
    problems = sorted([*problems, *fed_problems, *dir_problems, *canned_problems], key=lambda p: (str(p.path), p.line))
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if errors or faq is None or federation is None or directory is None:
        print(f"{errors} error(s), {warnings} warning(s) in {settings.faq_dir}: not valid")
        return 1
    print(
        f"OK: {len(faq.entries)} entries in {len(faq.categories)} categories, "
        f"{sum(len(q) for e in faq.entries for q in e.questions.values())} phrasings; "
        f"{len(federation.queues)} queues, {len(federation.places)} places; "
        f"{len(directory.associations)} associations in {len(directory.countries)} countries; {warnings} warning(s)"
    )
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    loaded = load_faq(settings.faq_dir)
    index = FaqIndex.build(loaded.faq.entries)
    from_stdin = not args.query
    queries = args.query or (line.rstrip("\n") for line in sys.stdin)
    for query in queries:
        if from_stdin and not query.strip():
            continue
        result = index.match(query)
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
            continue
        if result.match:
            entry = loaded.faq.by_id[result.match.id]
            print(f"{query}\n  → {entry.id} ({result.match.score}) {entry.title('zh')} / {entry.title('en')}")
        elif result.suggestions:
            print(f"{query}\n  ? " + ", ".join(f"{s.id} ({s.score})" for s in result.suggestions))
        else:
            print(f"{query}\n  ✗ no answer")
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    """What users would feel: answered correctly, wrongly, only suggested, nothing; per style and language."""
    loaded = load_faq(settings.faq_dir)
    try:
        cases = load_cases(args.file, known_ids=loaded.faq.by_id)
    except EvalSetError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    report = evaluate(cases, as_the_bot_answers(FaqIndex.build(loaded.faq.entries).match))
    print(json.dumps(report.as_json(), ensure_ascii=False) if args.json else report.render())
    return 0


def cmd_gaps(settings: Settings, args: argparse.Namespace) -> int:
    """Unanswered questions (and answers marked not helpful), grouped by similarity, biggest first."""
    if args.days < 1:
        print("qiaobot: --days must be at least 1", file=sys.stderr)
        return 2
    since = datetime.now(UTC) - timedelta(days=args.days)
    with session_scope(open_existing(settings)) as s:
        rows = [
            Asked(q.text, q.outcome, q.entry_id, q.suggestions, q.helpful, q.asked_at)
            for q in repo.missed_questions(s, since=since)
        ]
    clusters = cluster(rows)
    if args.json:
        print(json.dumps([c.as_json() for c in clusters[: args.limit]], ensure_ascii=False, indent=1))
    else:
        print(render(clusters, limit=args.limit))
    return 0
