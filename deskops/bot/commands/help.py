"""`/help [command]` and `/ticket help [command]`: the command list, or one command's usage."""

from __future__ import annotations

import difflib

from deskops.bot.commands.model import Command, Field, Reply
from deskops.bot.commands.parser import UsageError
from deskops.bot.commands.registry import CommandContext, CommandRegistry, CommandSpec, Param


def register(registry: CommandRegistry) -> None:
    """Add the help commands."""
    topic = Param("topic", "a command, e.g. `open` or `ticket assign`", greedy=True, metavar="COMMAND")
    registry.command(
        "help", "List the commands, or explain one", positionals=(topic,), examples=("/help", "/help ticket open")
    )(help_command)
    registry.command(
        "ticket.help", "Explain the /ticket commands", positionals=(topic,), examples=("/ticket help assign",)
    )(help_command)


def help_command(ctx: CommandContext, command: Command) -> Reply:
    """Answer with the command list, or one command's usage, options and examples."""
    registry = ctx.registry
    topic = str(command.args.get("topic", "")).strip().lower().removeprefix("/")
    scope = tuple(command.name.split(".")[:-1])
    if not topic:
        return command_list(registry, scope)
    spec = find_spec(registry, topic, scope)
    words = tuple(topic.replace(".", " ").split())
    if spec is None and registry.next_words(words):
        return command_list(registry, words)  # `/help ticket`: the commands under that word
    if spec is None:
        names = [" ".join(s.words) for s in registry.specs()]
        # Match the full name (`ticket asign`) and the last word alone (`asign`), as users type either.
        by_word = {s.words[-1]: " ".join(s.words) for s in reversed(registry.specs())}
        close = difflib.get_close_matches(topic, names, n=1) or [
            by_word[w] for w in difflib.get_close_matches(topic, list(by_word), n=1)
        ]
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"No command {topic!r}.{hint}", "Type /help to see the commands.", names)
    return command_help(spec)


def find_spec(registry: CommandRegistry, topic: str, scope: tuple[str, ...] = ()) -> CommandSpec | None:
    """The command a help topic names: `assign`, `ticket assign` or `ticket.assign`."""
    words = tuple(topic.replace(".", " ").split())
    for candidate in (words, (*scope, *words), ("ticket", *words)):
        spec = registry.get(".".join(candidate))
        if spec is not None:
            return spec
    return None


def command_list(registry: CommandRegistry, scope: tuple[str, ...] = ()) -> Reply:
    """Every command (under `scope`) with its usage and what it does."""
    specs = [s for s in registry.under(scope) if s.words[-1] != "help" or s.words == ("help",)]
    fields = tuple(Field(label=s.usage(), value=s.summary, inline=False) for s in specs)
    return Reply(
        title="Commands",
        text="Type /help COMMAND for the options and examples of one command.",
        fields=fields,
        data={"commands": [{"name": s.name, "usage": s.usage(), "summary": s.summary} for s in specs]},
    )


def command_help(spec: CommandSpec) -> Reply:
    """One command: usage, each parameter with its choices, and examples."""
    fields: list[Field] = []
    for param in (*spec.positionals, *spec.options):
        label = param.label if param in spec.positionals else f"--{param.name}"
        text = param.help
        if isinstance(param.choices, tuple):
            text += f" ({' | '.join(param.choices)})"
        elif isinstance(param.choices, str):
            text += f" (a {param.choices} from the desk file)"
        if param.max_length:
            text += f"; at most {param.max_length} characters"
        fields.append(Field(label=label, value=text, inline=False))
    examples = "\n".join(spec.examples)
    body = (
        spec.summary + (f"\n{spec.details}" if spec.details else "") + (f"\nExamples:\n{examples}" if examples else "")
    )
    return Reply(
        title=spec.usage(),
        text=body,
        fields=tuple(fields),
        data={"command": spec.name, "usage": spec.usage(), "examples": list(spec.examples)},
    )
