"""`deskops db upgrade`: bring the database schema up to date (the runtime also does it at start-up)."""

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
