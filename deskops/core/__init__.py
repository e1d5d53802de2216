"""Core: pure rules and use cases. Imports only the standard library, pydantic and (in persistence) SQLModel."""
