"""Storage: SQLAlchemy 2 tables, the unit of work, Alembic migrations."""
