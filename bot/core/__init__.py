"""Pure domain logic: no Telegram, no SQL sessions, no I/O."""
