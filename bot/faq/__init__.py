"""Answering questions: FAQ entries, the matcher, loading, handlers."""
