"""Alembic migrations of the DeskOps schema (run by `ensure_schema` / `deskops db upgrade`)."""
