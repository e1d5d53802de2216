"""The `/ticket …` app commands, built from the command registry so Discord offers every desk command.

Each registered command (`ticket.open`, `ticket.assign`, `sla.show`, …) becomes a slash command or
sub-command; each parameter becomes a typed option: flags are booleans, counts integers, fixed
choices are Discord choices, and desk-file vocabularies (groups, people, categories, urgency…)
and ticket numbers are autocompleted. Discord's limits (32-character names, 100-character
descriptions, 25 options and 25 sub-commands) are respected; what does not fit is logged and left out.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from deskops.bot.commands.registry import CommandRegistry, CommandSpec, Param

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")
DESCRIPTION_LIMIT = 100
OPTIONS_LIMIT = 25
SUBCOMMANDS_LIMIT = 25
STRING_OPTION_LIMIT = 6000
FORM_COMMANDS = frozenset({"ticket.open"})
"""Commands whose required options may be left out: the bot then opens a form (modal) instead."""

OnCommand = Callable[[discord.Interaction[Any], CommandSpec, dict[str, Any]], Awaitable[None]]
Complete = Callable[[discord.Interaction[Any], CommandSpec, Param, str], Awaitable[list[app_commands.Choice[str]]]]


def _describe(text: str) -> str:
    text = " ".join(text.split()) or "…"
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def _annotation(param: Param) -> Any:
    if param.kind == "flag":
        return bool
    if param.kind == "int":
        return app_commands.Range[int, param.minimum, None] if param.minimum is not None else int
    limit = min(param.max_length or STRING_OPTION_LIMIT, STRING_OPTION_LIMIT)
    return app_commands.Range[str, 1, limit]


def _params(spec: CommandSpec) -> list[Param]:
    params = [*spec.positionals, *spec.options]
    usable = [p for p in params if NAME_RE.match(p.name)]
    for p in params:
        if p not in usable:
            log.warning("/%s: option %r is not a valid Discord option name; left out", " ".join(spec.words), p.name)
    if len(usable) > OPTIONS_LIMIT:
        log.warning("/%s has %d options; Discord shows the first %d", " ".join(spec.words), len(usable), OPTIONS_LIMIT)
    return usable[:OPTIONS_LIMIT]


def make_command(spec: CommandSpec, on_command: OnCommand, complete: Complete, *,
                 parent: app_commands.Group | None = None, name: str | None = None
                 ) -> app_commands.Command[Any, ..., None]:
    """One app command for `spec`: typed options, choices, autocomplete; running it calls `on_command`."""
    params = _params(spec)
    optional_form = spec.name in FORM_COMMANDS
    by_identifier = {f"p{i}": p for i, p in enumerate(params)}

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        args = {by_identifier[key].name: value for key, value in values.items() if value is not None}
        await on_command(interaction, spec, args)

    signature = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                   annotation=discord.Interaction)]
    descriptions: dict[str, str] = {}
    renames: dict[str, str] = {}
    choices: dict[str, list[app_commands.Choice[str]]] = {}
    autocomplete: dict[str, Any] = {}
    ordered = sorted(by_identifier.items(), key=lambda item: not (item[1].required and not optional_form))
    for identifier, param in ordered:
        required = param.required and not optional_form
        signature.append(inspect.Parameter(
            identifier, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(param),
            default=inspect.Parameter.empty if required else None,
        ))
        descriptions[identifier] = _describe(param.help)
        renames[identifier] = param.name
        if isinstance(param.choices, tuple) and 0 < len(param.choices) <= 25 and param.kind != "flag":
            choices[identifier] = [app_commands.Choice(name=c, value=c) for c in param.choices]
        elif param.kind in {"ref", "person"} or isinstance(param.choices, str) or (
            isinstance(param.choices, tuple) and len(param.choices) > 25
        ):
            autocomplete[identifier] = _completer(spec, param, complete)
    callback.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = "desk_" + spec.name.replace(".", "_")
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_rename__ = renames  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_autocomplete__ = autocomplete  # type: ignore[attr-defined]
    return app_commands.Command(name=name or spec.words[-1], description=_describe(spec.summary),
                                callback=callback, parent=parent)


def _completer(spec: CommandSpec, param: Param, complete: Complete) -> Any:
    async def suggest(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return (await complete(interaction, spec, param, current))[:25]

    suggest.__qualname__ = suggest.__name__ = f"suggest_{param.name}"
    return suggest


def discord_words(words: tuple[str, ...], all_words: list[tuple[str, ...]]) -> tuple[str, ...]:
    """Where a command sits in Discord. Discord cannot run a group itself, so a command that is also a
    group (`/request` beside `/request open`) becomes its sub-command `list` (or `overview` if taken)."""
    if not any(len(other) > len(words) and other[: len(words)] == words for other in all_words):
        return words
    siblings = {other[len(words)] for other in all_words if len(other) > len(words) and other[: len(words)] == words}
    return (*words, "list" if "list" not in siblings else "overview")


def build_tree(tree: app_commands.CommandTree[Any], registry: CommandRegistry, on_command: OnCommand,
               complete: Complete) -> list[str]:
    """Add every registry command to `tree` (groups for multi-word names); return the names added."""
    groups: dict[tuple[str, ...], app_commands.Group] = {}
    added: list[str] = []
    all_words = [spec.words for spec in registry.specs()]
    for spec in registry.specs():
        words = discord_words(spec.words, all_words)
        if not all(NAME_RE.match(w) for w in words) or len(words) > 3:
            log.warning("/%s cannot be a Discord command (names: 1-32 of a-z 0-9 - _, at most 3 words)",
                        " ".join(words))
            continue
        parent: app_commands.Group | None = None
        for depth in range(1, len(words)):
            key = words[:depth]
            if key not in groups:
                group = app_commands.Group(name=key[-1], description=_describe(f"/{' '.join(key)} commands"),
                                           parent=parent)
                groups[key] = group
                if parent is None:
                    tree.add_command(group)
                else:
                    parent.add_command(group)
            parent = groups[key]
        if parent is not None and len(parent.commands) >= SUBCOMMANDS_LIMIT:
            log.warning("/%s left out: Discord allows %d sub-commands per group", " ".join(words), SUBCOMMANDS_LIMIT)
            continue
        command = make_command(spec, on_command, complete, parent=parent, name=words[-1])
        if parent is None:
            tree.add_command(command)
        else:
            parent.add_command(command)
        added.append(spec.name)
    return added
