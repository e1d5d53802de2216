"""Platform-neutral commands: a parsed `Command` (intent + actor) in, a `Reply` out."""

from deskops.bot.commands.model import Action, Actor, Command, Dispatcher, Field, Origin, Reply

__all__ = ["Action", "Actor", "Command", "Dispatcher", "Field", "Origin", "Reply"]
