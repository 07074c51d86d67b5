"""Database: engine, unit of work, models, migrations."""
