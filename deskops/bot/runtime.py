"""Composition root: builds engine, unit of work, clock, adapters and scheduler (nothing at import time)."""
