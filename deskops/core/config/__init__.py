"""The desk file's schema: strict, frozen pydantic models (loading from YAML happens in bot)."""
