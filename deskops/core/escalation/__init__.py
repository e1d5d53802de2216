"""Core escalation."""
