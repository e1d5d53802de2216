"""Persistence: SQLModel tables, repositories, the unit of work and migrations (SQLite and PostgreSQL)."""
