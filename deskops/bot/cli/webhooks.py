"""`deskops webhooks serve`: the HTTP endpoint for interfaces and monitoring (deskops/bot/webhooks.py).

Run it next to `deskops run` on the same database and desk file: it takes the suppliers' signed
updates (`POST /hooks/<interface>`) and alerts (`POST /alerts/generic|alertmanager?source=NAME`);
`deskops run` sends the hand-offs through its outbox. Secrets come from the environment variables
the desk file names (`secret_env`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

webhooks_app = typer.Typer(help="Inbound webhooks: interface updates and monitoring alerts.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the `webhooks` command group to the `deskops` app."""
    app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8088,
    config: Annotated[Path | None, typer.Option(help="Desk file (default: $DESKOPS_CONFIG or config/desk.yaml).")]
    = None,
    database: Annotated[str | None, typer.Option(help="Database URL (default: $DESKOPS_DATABASE_URL).")] = None,
) -> None:
    """Serve POST /hooks/<interface> and /alerts/... until interrupted."""
    import uvicorn

    from deskops.bot.config_loader import ConfigError, load_config
    from deskops.bot.webhooks import build_app
    from deskops.core.clock import SystemClock
    from deskops.core.persistence.db import ensure_schema, make_engine
    from deskops.core.persistence.uow import SqlUnitOfWork
    from deskops.core.services.context import Desk

    path = config or Path(os.environ.get("DESKOPS_CONFIG", "config/desk.yaml"))
    try:
        desk_config = load_config(path)
    except ConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    missing = sorted({i.secret_env for i in desk_config.interfaces.values()} |
                     {s.secret_env for s in desk_config.alerts.sources.values()} - set(os.environ))  # fmt: skip
    if missing:
        typer.echo(f"warning: {', '.join(missing)} not set; posts needing them are refused", err=True)
    engine = make_engine(database or os.environ.get("DESKOPS_DATABASE_URL", "sqlite:///deskops.db"))
    ensure_schema(engine)
    app = build_app(desk=Desk.from_config(desk_config), uow_factory=lambda: SqlUnitOfWork(engine),
                    clock=SystemClock(), environ=dict(os.environ))  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="info")
