"""The association directory: /find, places, join requests."""
