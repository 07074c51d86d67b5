"""Qiaolian Bot: a Telegram bot for a federation of returned overseas Chinese (侨联)."""

__version__ = "0.1.0"
