"""Load and strictly validate the admin-edited YAML in ``faq/`` into core objects."""
