"""Handlers, one module per feature. Each is thin: parse, call core/storage, render."""
