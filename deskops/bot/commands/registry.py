"""The command registry: command names → specs (parameters, help) and their handlers.

Each area adds its commands from its own module in `deskops.bot.commands` (see the package
docstring); the parser, the help text and every adapter read the same specs.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from deskops.bot.commands.model import Command, Reply

if TYPE_CHECKING:
    from deskops.bot.commands.jobs import JobRegistry
    from deskops.core.clock import Clock
    from deskops.core.config.desk import DeskConfig
    from deskops.core.services.context import Desk

ParamKind = Literal["text", "word", "ref", "choice", "person", "flag", "int", "duration"]
"""How a parameter's value is read: free text, one word, a ticket ref, a choice, a person, a flag, ..."""

TEXT_LIMIT = 4000
"""Longest free text (comment, note, description) a command takes, in characters."""


@dataclass(frozen=True)
class Param:
    """One positional parameter or `--option` of a command.

    `choices` is a fixed tuple, or the name of a vocabulary the desk file fills in (`"group"`,
    `"person"`, `"urgency"`, `"impact"`, `"priority"`, `"category"`); values are matched without
    regard to case. `greedy` (last positional only) takes the rest of the words, so
    `/ticket open VPN is down` works without quotes.
    """

    name: str
    help: str
    kind: ParamKind = "word"
    choices: tuple[str, ...] | str | None = None
    required: bool = False
    greedy: bool = False
    max_length: int | None = None
    metavar: str | None = None
    minimum: int | None = None

    @property
    def label(self) -> str:
        """How the parameter appears in usage lines (`REF`, `"TEXT"`, `GROUP`)."""
        if self.metavar:
            return self.metavar
        if self.kind == "text":
            return f'"{self.name.upper()}"'
        return self.name.upper()


class CommandContext(Protocol):
    """What a handler gets besides the command: the store, the time, the desk file, the registry."""

    @property
    def config(self) -> DeskConfig:
        """The loaded desk file."""
        ...

    @property
    def desk(self) -> Desk:
        """The desk file as lookups (directory of people and groups, priority matrix) for the use cases."""
        ...

    @property
    def clock(self) -> Clock:
        """The desk's clock (simulated in demos and tests)."""
        ...

    @property
    def registry(self) -> CommandRegistry:
        """The registry the command came through (for help and for turning actions into text)."""
        ...

    def unit_of_work(self) -> Any:
        """A new unit of work (`deskops.core.ports.UnitOfWork`); use it as a context manager."""
        ...

    def now(self) -> datetime:
        """The current instant (aware UTC) from the desk's clock."""
        ...


Handler = Callable[[CommandContext, Command], Reply]
"""Runs one parsed command; raise `DeskError` (or `UsageError`) to refuse — the dispatcher renders it."""


@dataclass(frozen=True)
class CommandSpec:
    """A command: its dotted name (`ticket.open`), what it does, its parameters and its handler."""

    name: str
    summary: str
    handler: Handler
    positionals: tuple[Param, ...] = ()
    options: tuple[Param, ...] = ()
    examples: tuple[str, ...] = ()
    details: str = ""
    _by_option: Mapping[str, Param] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        greedy = [p.name for p in self.positionals[:-1] if p.greedy]
        if greedy:
            raise ValueError(f"{self.name}: only the last positional may be greedy, not {greedy}")
        names = [p.name for p in self.positionals]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: positional names repeat: {names}")
        object.__setattr__(self, "_by_option", {p.name: p for p in self.options})

    @property
    def words(self) -> tuple[str, ...]:
        """The words a user types, e.g. `("ticket", "open")`."""
        return tuple(self.name.split("."))

    def option(self, name: str) -> Param | None:
        """The `--name` option, if the command has it."""
        return self._by_option.get(name)

    def param(self, name: str) -> Param | None:
        """The positional or option called `name`."""
        return next((p for p in self.positionals if p.name == name), None) or self.option(name)

    def usage(self) -> str:
        """One usage line, e.g. `/ticket assign REF [me] [--group GROUP] [--to PERSON]`."""
        parts = ["/" + " ".join(self.words)]
        for p in self.positionals:
            parts.append(p.label if p.required else f"[{p.label}]")
        for p in self.options:
            text = f"--{p.name}" if p.kind == "flag" else f"--{p.name} {p.label}"
            parts.append(text if p.required else f"[{text}]")
        return " ".join(parts)


class CommandRegistry:
    """Command specs by name; `register` adds one, the parser and help read them."""

    def __init__(self) -> None:
        self._specs: dict[str, CommandSpec] = {}

    def add(self, spec: CommandSpec) -> CommandSpec:
        """Add a command; a name registered twice is a programming error."""
        if spec.name in self._specs:
            raise ValueError(f"command {spec.name!r} is registered twice")
        self._specs[spec.name] = spec
        return spec

    def command(
        self,
        name: str,
        summary: str,
        *,
        positionals: Iterable[Param] = (),
        options: Iterable[Param] = (),
        examples: Iterable[str] = (),
        details: str = "",
    ) -> Callable[[Handler], Handler]:
        """Decorator form of `add`: `@registry.command("sla.show", "Show a ticket's clocks", ...)`."""

        def decorate(handler: Handler) -> Handler:
            self.add(
                CommandSpec(
                    name=name,
                    summary=summary,
                    handler=handler,
                    positionals=tuple(positionals),
                    options=tuple(options),
                    examples=tuple(examples),
                    details=details,
                )
            )
            return handler

        return decorate

    def get(self, name: str) -> CommandSpec | None:
        """The command called `name` (dotted), if registered."""
        return self._specs.get(name)

    def specs(self) -> list[CommandSpec]:
        """Every command, sorted by name."""
        return [self._specs[name] for name in sorted(self._specs)]

    def under(self, prefix: tuple[str, ...]) -> list[CommandSpec]:
        """The commands whose words start with `prefix` (all of them for `()`)."""
        return [s for s in self.specs() if s.words[: len(prefix)] == prefix]

    def next_words(self, prefix: tuple[str, ...]) -> list[str]:
        """The words that may follow `prefix` (e.g. after `ticket`: open, show, list, ...)."""
        return sorted({s.words[len(prefix)] for s in self.under(prefix) if len(s.words) > len(prefix)})


def discover(registry: CommandRegistry, jobs: JobRegistry | None = None) -> CommandRegistry:
    """Import every module of `deskops.bot.commands` and call its `register(registry)` (and
    `register_jobs(jobs)` when given), so each area adds its commands from its own file."""
    import deskops.bot.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(registry)
        register_jobs = getattr(module, "register_jobs", None)
        if jobs is not None and callable(register_jobs):
            register_jobs(jobs)
    return registry


def build_registry(jobs: JobRegistry | None = None) -> CommandRegistry:
    """A new registry holding every area's commands (built on demand, never at import time)."""
    return discover(CommandRegistry(), jobs)
