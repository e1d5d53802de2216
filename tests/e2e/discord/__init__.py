"""End-to-end tests of the Discord adapter: the real discord.py Client against tests/fakes/discord_server.py."""
