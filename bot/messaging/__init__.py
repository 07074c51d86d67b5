"""Telegram plumbing: intake, polling, webhook, outbox and delivery, callback data."""
