"""Desk file reload without a restart: SIGHUP or `/admin reload` (admins) re-read it; a broken file changes nothing.

The new file is validated completely first (the same loader as at start, with located errors);
only then are the dispatcher's context, its value lists and the runtime's config swapped, under
the runtime lock so no job or command runs half on the old file and half on the new. What a
reload cannot change — the database URL and the chat platforms' tokens, which come from the
environment — still needs a restart.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskops.bot.commands.model import Command, Reply
    from deskops.bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_PROBLEMS_SHOWN = 10
ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class ReloadResult:
    """The outcome of one reload: ok, and the located problems when the file was refused."""

    ok: bool
    problems: tuple[str, ...] = ()

    def message(self, path: Path) -> str:
        """What to tell the admin."""
        if self.ok:
            return f"Reloaded the desk file {path}; new commands and jobs use it from now on."
        shown = "\n".join(self.problems[:MAX_PROBLEMS_SHOWN])
        more = len(self.problems) - MAX_PROBLEMS_SHOWN
        extra = f"\n… and {more} more" if more > 0 else ""
        return (
            f"The desk file {path} has problems; the desk keeps running on the previous one.\n{shown}{extra}\n"
            f"Fix them (check with `deskops check-config {path}`) and reload again."
        )


class ConfigReloader:
    """Re-reads one runtime's desk file on request, and wires SIGHUP and `/admin reload` to do it."""

    def __init__(self, runtime: Runtime, path: Path) -> None:
        self.runtime = runtime
        self.path = path

    def reload(self) -> ReloadResult:
        """Load and check the file; swap it in only when it is valid; never raises for a bad file."""
        from deskops.bot.commands.dispatcher import config_vocabulary
        from deskops.bot.config_loader import ConfigError, load_config
        from deskops.core.services.context import Desk

        try:
            config = load_config(self.path)
            desk = Desk.from_config(config)
        except ConfigError as exc:
            log.warning("desk file reload refused: %d problem(s)", len(exc.problems))
            return ReloadResult(False, tuple(problem.render(exc.source) for problem in exc.problems))
        except Exception as exc:  # cross-checks done while building the desk: refuse the same way
            log.warning("desk file reload refused: %s", exc)
            return ReloadResult(False, (f"{self.path}: {exc}",))
        runtime = self.runtime
        with runtime.lock:
            dispatcher = runtime.dispatcher
            dispatcher.context = dataclasses.replace(dispatcher.context, config=config, desk=desk)
            dispatcher.vocabulary = config_vocabulary(config)
            runtime.config = config
        log.info("desk file reloaded")
        return ReloadResult(True)

    def install_command(self) -> None:
        """Add `/admin reload` to the runtime's commands (for people with the admin role)."""
        self.runtime.dispatcher.registry.command(
            "admin.reload",
            "Re-read the desk file without a restart (admins); a broken file is refused and nothing changes",
            examples=("/admin reload",),
        )(self._command)

    def install_signal(self) -> bool:
        """Reload on SIGHUP (main thread only, where the platform has it); return whether it was installed."""
        import signal

        hangup = getattr(signal, "SIGHUP", None)
        if hangup is None or threading.current_thread() is not threading.main_thread():
            return False

        def on_hangup(_signum: int, _frame: Any) -> None:
            # A signal interrupts the main thread anywhere, even inside a command holding the runtime
            # lock (re-entrant there): reload from a thread of its own, which waits for the lock.
            threading.Thread(target=self._reload_logged, name="deskops-reload", daemon=True).start()

        signal.signal(hangup, on_hangup)
        return True

    def _reload_logged(self) -> None:
        result = self.reload()
        if not result.ok:
            # The problems quote the file (names, e-mail addresses): the log says how to see them instead.
            log.error("desk file reload refused (%d problems); `deskops check-config` shows them", len(result.problems))

    def _command(self, ctx: Any, command: Command) -> Reply:
        from deskops.bot.commands.model import Reply
        from deskops.core.errors import Forbidden

        person = ctx.config.people.get(command.actor.person)
        if person is None or ADMIN_ROLE not in person.roles:
            raise Forbidden(
                "only desk admins may reload the desk file",
                hint="ask an admin, or have the operator send SIGHUP to the DeskOps process",
            )
        result = self.reload()
        data: dict[str, Any] = {"reloaded": result.ok}
        if not result.ok:
            data["error"] = "config"
            data["problems"] = list(result.problems)
        return Reply(text=result.message(self.path), ok=result.ok, data=data)
