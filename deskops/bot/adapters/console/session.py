"""The console chat: read lines (a prompt, or a script on stdin), run them, show the replies.

Besides the desk's commands (`/ticket ...`, `/help`) the console has its own:
`/as PERSON` (act as someone else), `/whoami`, `/time` (show the clock), `/time +2h` or
`/time 2026-06-15T11:00+02:00` (move a simulated clock forward), `/quit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from deskops.bot.adapters.console.render import ConsoleOutput
from deskops.bot.commands.dispatcher import CommandDispatcher
from deskops.bot.commands.model import Action, Actor, Origin, Reply
from deskops.bot.commands.parser import to_text
from deskops.bot.commands.registry import CommandRegistry
from deskops.core.durations import parse_duration

CONSOLE_HELP = (
    "Console only: /as NAME (act as someone else) · /whoami · /time (the clock) · "
    "/time +2h or /time 2026-06-15T11:00+02:00 (move a simulated clock) · /quit"
)

ClockMover = Callable[[datetime], object]
"""Moves the desk's simulated clock to an instant (raises ValueError if it cannot)."""


@dataclass
class ClockControl:
    """What `/time` needs: the current instant, how to move the clock, and the zone to show it in."""

    now: Callable[[], datetime]
    move_to: ClockMover | None
    display_zone: object | None = None


def action_text(registry: CommandRegistry) -> Callable[[Action], str]:
    """Write a button as the line to type, with placeholders for what the user must still give."""

    def write(action: Action) -> str:
        spec = registry.get(action.command)
        if spec is None:
            return action.command
        missing = [p for p in spec.options if p.required and p.name not in action.args]
        positional = [p for p in spec.positionals if p.required and p.name not in action.args]
        return (to_text(spec, action.args) + "".join(f" {p.label}" for p in positional)
                + "".join(f" --{p.name} {p.label}" for p in missing))

    return write


class ConsoleSession:
    """One person (switchable with /as) talking to the desk through the terminal."""

    def __init__(
        self,
        *,
        dispatcher: CommandDispatcher,
        output: ConsoleOutput,
        people: Sequence[str],
        actor: str,
        clock: ClockControl,
        after_command: Callable[[], object] = lambda: None,
        guard: AbstractContextManager[object] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.output = output
        self.people = list(people)
        self.actor = actor
        self.clock = clock
        self.after_command = after_command
        # Held while a line runs, so periodic jobs (on another thread) never write at the same time.
        self.guard = guard or nullcontext()

    def run_lines(self, lines: Iterable[str]) -> None:
        """Run a script: one command per line; `#` comments and blank lines are skipped."""
        for raw in lines:
            if not self.handle(raw):
                break

    def run_interactive(self, read: Callable[[str], str]) -> None:
        """Prompt until /quit or end of input (Ctrl-D); Ctrl-C leaves too."""
        while True:
            try:
                line = read(f"{self.actor}> ")
            except (EOFError, KeyboardInterrupt):
                self.output.info("")
                return
            if not self.handle(line):
                return

    def handle(self, raw: str) -> bool:
        """Run one line; return False when the session should end."""
        line = raw.strip()
        if not line or line.startswith("#"):
            return True
        word = line.split(maxsplit=1)[0].lower()
        if word in {"/quit", "/exit"}:
            return False
        with self.guard:
            self._run(line, word, line[len(word) :].strip())
        return True

    def _run(self, line: str, word: str, rest: str) -> None:
        if word == "/as":
            self._show(self.switch_user(rest), line)
        elif word == "/whoami":
            self._show(Reply(text=f"You are {self.actor}.", data={"actor": self.actor}), line)
        elif word == "/time":
            self._show(self.move_time(rest), line)
        else:
            origin = Origin(platform="console", channel="console")
            # No request id: a terminal never redelivers a line, and ids must not repeat across runs.
            reply = self.dispatcher.dispatch_text(line, Actor(person=self.actor), origin)
            self._show(reply, line)
            if word == "/help" and not rest:
                self.output.info(CONSOLE_HELP)
        self.after_command()

    def switch_user(self, name: str) -> Reply:
        """`/as alice`: act as someone the desk file lists."""
        person = name.strip().lower()
        known = ", ".join(self.people) or "nobody (add a people section to the desk file)"
        if not person:
            return Reply(text=f"Who? Write /as NAME with one of: {known}.", ok=False, data={"error": "usage"})
        if person not in self.people:
            return Reply(
                text=f"Nobody called {name.strip()!r} is in the desk file. Known people: {known}.",
                ok=False,
                data={"error": "unknown_person", "choices": self.people},
            )
        self.actor = person
        return Reply(text=f"You are now {person}.", data={"actor": person})

    def move_time(self, text: str) -> Reply:
        """`/time` shows the clock; `/time +2h` or `/time ISO` moves a simulated clock forward."""
        if not text:
            return self._time_reply("The desk's clock")
        if self.clock.move_to is None:
            return Reply(
                text="The desk runs on the real clock. Start it with --clock ISO (e.g. "
                "deskops run --clock 2026-06-15T09:00+02:00) to move time with /time.",
                ok=False,
                data={"error": "real_clock"},
            )
        try:
            target = self._target(text)
            self.clock.move_to(target)
        except ValueError as exc:
            return Reply(
                text=f"Cannot move the clock: {exc}.",
                ok=False,
                data={"error": "usage"},
            )
        return self._time_reply("Clock moved to")

    def _target(self, text: str) -> datetime:
        if text.startswith("+"):
            delta = parse_duration(text[1:])
            if delta <= timedelta(0):
                raise ValueError("give a positive duration, e.g. +2h")
            return self.clock.now() + delta
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is neither +DURATION (+2h, +1d) nor an ISO time (2026-06-15T11:00+02:00)"
            ) from None
        if at.tzinfo is None:
            raise ValueError(f"{text!r} has no UTC offset; write e.g. {text}+02:00 or {text}Z")
        return at

    def _time_reply(self, lead: str) -> Reply:
        now = self.clock.now()
        local = now.astimezone(self.clock.display_zone) if self.clock.display_zone is not None else now  # type: ignore[arg-type]
        return Reply(text=f"{lead} {local.isoformat(timespec='minutes')}.", data={"now": now.isoformat()})

    def _show(self, reply: Reply, line: str) -> None:
        self.output.reply(reply, input=line, actor=self.actor)
