"""Core kpi."""
