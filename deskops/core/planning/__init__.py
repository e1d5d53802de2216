"""Core planning."""
