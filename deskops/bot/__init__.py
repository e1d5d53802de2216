"""The bot: chat adapters, platform-neutral commands, notification delivery, runtime and CLI."""
