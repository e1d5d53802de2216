"""`deskops db upgrade` (schema up to date; the runtime also does it at start-up) and `deskops db outbox`."""

from __future__ import annotations

from typing import Annotated

import typer

db_app = typer.Typer(help="The desk's database.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the `db` command group to the `deskops` app."""
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: $DESKOPS_DATABASE_URL or sqlite:///deskops.db)."),
    ] = None,
) -> None:
    """Run the migrations (alembic upgrade head); safe to run again and from several instances."""
    from sqlalchemy import inspect, text

    from deskops.bot.runtime import Settings
    from deskops.core.persistence.db import ensure_schema, make_engine

    url = Settings.from_env(database_url=database).database_url
    try:
        engine = make_engine(url)
        ensure_schema(engine)
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        engine.dispose()
    except Exception as exc:  # a wrong URL or an unreachable server: say which, exit non-zero
        typer.echo(f"Cannot upgrade {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{url}: schema at revision {revision} ({len(tables)} tables)")


@db_app.command("outbox")
def outbox(
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: $DESKOPS_DATABASE_URL or sqlite:///deskops.db)."),
    ] = None,
    retry: Annotated[
        bool, typer.Option("--retry", help="Try again the notifications that ran out of attempts.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Show the notifications not delivered yet (and why), oldest first; --retry revives those that gave up."""
    import json
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.table import Table

    from deskops.bot.notify import OutboxDelivery
    from deskops.bot.runtime import Settings
    from deskops.core.persistence.db import ensure_schema, make_engine

    url = Settings.from_env(database_url=database).database_url
    try:
        engine = make_engine(url)
        ensure_schema(engine)
        delivery = OutboxDelivery(engine)
        revived = delivery.retry_given_up(datetime.now(UTC)) if retry else 0
        rows = delivery.undelivered(limit)
        total = delivery.pending_count()
        engine.dispose()
    except Exception as exc:  # a wrong URL or an unreachable server: say which, exit non-zero
        typer.echo(f"Cannot read the outbox of {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"undelivered": total, "revived": revived, "rows": rows}))
        return
    console = Console()
    if retry:
        console.print(f"{revived} notification(s) that had given up will be tried again.")
    if not rows:
        console.print("Every notification has been delivered.")
        return
    table = Table(title=f"{total} notification(s) not delivered yet")
    for column in ("created", "recipient", "attempts", "next try", "text", "last error"):
        table.add_column(column)
    for row in rows:
        attempts = f"{row['attempts']} (gave up)" if row["gave_up"] else str(row["attempts"])
        table.add_row(
            row["created_at"][:16],
            row["recipient"],
            attempts,
            row["next_attempt_at"][:16],
            row["text"],
            row["last_error"] or "",
        )
    console.print(table)
