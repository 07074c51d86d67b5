"""Telegram groups bound to queues, and who may act on a queue."""
