"""Discord adapter (discord.py): translates Discord interactions to Command/Reply."""
