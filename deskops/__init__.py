"""DeskOps: a service desk that lives in chat."""

__version__ = "0.1.0"
