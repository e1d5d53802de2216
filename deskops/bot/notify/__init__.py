"""Outbox delivery: sends stored notifications through an adapter, retries, marks delivered."""
