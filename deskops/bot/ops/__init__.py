"""Running DeskOps in production: health and readiness, metrics, structured logs, backup and config reload."""
