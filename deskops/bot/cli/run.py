"""`deskops run`: the service desk bot — console chat by default, Slack/Discord when their tokens are set."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from deskops.bot.adapters.console.render import ConsoleOutput
    from deskops.bot.ops.server import OpsServer
    from deskops.bot.runtime import Runtime


def register(app: typer.Typer) -> None:
    """Add `run` to the `deskops` app."""
    app.command("run")(run)


def run(
    config: Annotated[
        Path | None, typer.Option("--config", help="Desk file (default: $DESKOPS_CONFIG or config/desk.yaml).")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: $DESKOPS_DATABASE_URL or sqlite:///deskops.db)."),
    ] = None,
    clock: Annotated[
        str | None,
        typer.Option("--clock", help="Start a simulated clock at this ISO time (e.g. 2026-06-15T09:00+02:00)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print each reply as one JSON object per line.")] = False,
    person: Annotated[
        str | None, typer.Option("--as", help="Who you are in the console (default: the first person listed).")
    ] = None,
    console: Annotated[
        bool | None,
        typer.Option("--console/--no-console", help="Run the console chat (default: when no chat platform runs)."),
    ] = None,
    sandbox: Annotated[
        str | None,
        typer.Option(
            "--sandbox", help="Try a chat platform's adapter against its local fake (e.g. slack).", metavar="PLATFORM"
        ),
    ] = None,
    ops_port: Annotated[
        int | None,
        typer.Option(
            "--ops-port",
            min=0,
            help="Serve /healthz, /readyz and /metrics on this port (default: $DESKOPS_OPS_PORT; off when unset). "
            "Host: $DESKOPS_OPS_HOST, default 127.0.0.1.",
        ),
    ] = None,
) -> None:
    """Run the desk: a console chat (prompt, or a script on stdin) on SQLite, or Slack/Discord when configured."""
    import os

    from rich.console import Console

    from deskops.bot.adapters.console.deliverer import ConsoleDeliverer
    from deskops.bot.adapters.console.render import ConsoleOutput
    from deskops.bot.adapters.console.session import ClockControl, ConsoleSession, action_text
    from deskops.bot.config_loader import ConfigError
    from deskops.bot.ops.logging import allow_words, configure_logging
    from deskops.bot.ops.reload import ConfigReloader
    from deskops.bot.runtime import PLATFORMS, Runtime, Settings

    configure_logging(os.environ)  # DESKOPS_LOG_FORMAT=json: structured, without personal data
    start = _clock_start(clock)
    if sandbox is not None and database is None and not os.environ.get("DESKOPS_DATABASE_URL"):
        # A sandbox's fake tickets must never mix with a real desk's: give it a database of its own.
        database = f"sqlite:///deskops-{sandbox.lower()}-sandbox.db"
    settings = Settings.from_env(config_path=config, database_url=database, clock_start=start)
    try:
        runtime = Runtime.build(settings)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(problem.render(exc.source), err=True)
        typer.echo(f"Fix the desk file, check it with `deskops check-config {exc.source}`, then run again.", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # e.g. the database cannot be opened: say which, and stop
        typer.echo(f"Cannot start the desk on {settings.database_url}: {exc}", err=True)
        raise typer.Exit(1) from None

    reloader = ConfigReloader(runtime, settings.config_path)
    reloader.install_command()
    reloader.install_signal()  # `kill -HUP PID` re-reads the desk file
    allow_words(
        [spec.name for spec in runtime.dispatcher.registry.specs()]
        + [job.name for job in runtime.jobs.jobs()]
        + list(PLATFORMS)
    )
    if sandbox is not None:
        _run_sandbox(runtime, sandbox, person)
        return
    people = list(runtime.config.people)
    actor = (person or (people[0] if people else "console")).lower()
    if people and actor not in people:
        typer.echo(f"Nobody called {actor!r} is in the desk file. Known people: {', '.join(people)}.", err=True)
        runtime.stop()
        raise typer.Exit(2)

    output = ConsoleOutput(
        Console(file=sys.stdout, highlight=False, soft_wrap=False),
        as_json=as_json,
        action_text=action_text(runtime.dispatcher.registry),
    )
    ops: OpsServer | None = None
    try:
        try:
            started = runtime.start_platforms()
        except Exception as exc:  # a bad token or an unreachable platform: say which, and stop cleanly
            typer.echo(f"Cannot start the chat platforms: {exc}", err=True)
            raise typer.Exit(1) from None
        use_console = console if console is not None else not started
        if use_console:
            runtime.notifier.add(ConsoleDeliverer(output))  # after the platforms: they reach people first
        runtime.start()
        ops = _start_ops(runtime, ops_port)
        if not use_console:
            typer.echo(f"DeskOps is running on {', '.join(started)}. Press Ctrl-C to stop.", err=True)
            _wait_for_interrupt()
            return
        session = ConsoleSession(
            dispatcher=runtime.dispatcher,
            output=output,
            people=people,
            actor=actor,
            clock=ClockControl(
                now=runtime.clock.now,
                move_to=runtime.advance_clock if runtime.simulated else None,
                display_zone=start.tzinfo if start is not None else None,
            ),
            after_command=runtime.deliver_now,
            guard=runtime.lock,
        )
        if sys.stdin.isatty():
            _banner(output, runtime.config.name, actor, runtime.simulated)
            read = _reader()
            # With --json stdout carries only JSON lines, so the prompt is left out.
            session.run_interactive((lambda _prompt: read("")) if as_json else read)
        else:
            session.run_lines(sys.stdin)
    except KeyboardInterrupt:  # Ctrl-C in the middle of a command or a script: leave quietly
        typer.echo("Stopped.", err=True)
        raise typer.Exit(130) from None
    finally:
        if ops is not None:
            ops.stop()
        runtime.stop()


def _start_ops(runtime: Runtime, port: int | None) -> OpsServer | None:
    """Start the ops server when --ops-port or DESKOPS_OPS_PORT asks for it; a bad value stops the desk."""
    from deskops.bot.ops.server import DEFAULT_HOST, OpsServer

    text = runtime.environ.get("DESKOPS_OPS_PORT", "").strip()
    if port is None and text:
        if not text.isdigit():
            typer.echo(f"DESKOPS_OPS_PORT={text!r} is not a port number; set e.g. 9100, or unset it.", err=True)
            raise typer.Exit(2)
        port = int(text)
    if port is None:
        return None
    server = OpsServer(runtime, port, host=runtime.environ.get("DESKOPS_OPS_HOST") or DEFAULT_HOST)
    try:
        server.start()
    except RuntimeError as exc:
        typer.echo(f"{exc}: is the port in use? Pick another with --ops-port.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Ops endpoints on http://{server.host}:{server.port} (/healthz, /readyz, /metrics).", err=True)
    return server


def _run_sandbox(runtime: Runtime, platform: str, person: str | None) -> None:
    """Hand the built desk to a platform's sandbox: `deskops.bot.adapters.<platform>.sandbox.run_sandbox`."""
    import importlib

    try:
        module = importlib.import_module(f"deskops.bot.adapters.{platform.lower()}.sandbox")
        run_sandbox = module.run_sandbox
    except (ModuleNotFoundError, AttributeError):
        runtime.stop()
        typer.echo(f"No sandbox for {platform!r}; the platforms with one: slack, discord.", err=True)
        raise typer.Exit(2) from None
    try:
        runtime.start()
        run_sandbox(runtime, person=person)
    finally:
        runtime.stop()


def _clock_start(text: str | None) -> datetime | None:
    """Parse --clock; it needs a UTC offset, since a naive time means nothing to the desk."""
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        typer.echo(f"--clock {text!r} is not an ISO time; write e.g. 2026-06-15T09:00+02:00.", err=True)
        raise typer.Exit(2) from None
    if at.tzinfo is None:
        typer.echo(f"--clock {text!r} has no UTC offset; write e.g. {text}+02:00 or {text}Z.", err=True)
        raise typer.Exit(2)
    return at


def _banner(output: ConsoleOutput, name: str, actor: str, simulated: bool) -> None:
    clock = " Simulated clock: /time +2h moves it." if simulated else ""
    output.info(
        f"[bold]DeskOps console — {name}[/bold]\nYou are [bold]{actor}[/bold]. /help lists the commands; "
        f"/as NAME switches user; /time shows the clock; /quit leaves.{clock}"
    )


def _reader() -> Callable[[str], str]:
    """A line reader with history and editing where the platform has readline."""
    import contextlib

    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (importing it gives input() line editing and history)
    return input


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM (how containers and service managers stop a process)."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        return
