"""`deskops export` and `deskops restore`: the whole desk as JSON lines, for backup and SQLite ↔ PostgreSQL moves."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

DATABASE_HELP = "Database URL (default: $DESKOPS_DATABASE_URL or sqlite:///deskops.db)."


def register(app: typer.Typer) -> None:
    """Add `export` and `restore` to the `deskops` app."""
    app.command("export")(export)
    app.command("restore")(restore)


def export(
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default: standard output).")] = None,
    database: Annotated[str | None, typer.Option("--database", help=DATABASE_HELP)] = None,
) -> None:
    """Write the whole desk (tickets, history, outbox and every other table) as JSON lines."""
    from deskops.bot.ops.backup import export_to
    from deskops.bot.runtime import Settings
    from deskops.core.persistence.db import make_engine

    url = Settings.from_env(database_url=database).database_url
    engine = make_engine(url)
    try:
        if out is None:
            summary = export_to(engine, sys.stdout)
        else:
            partial = out.with_name(out.name + ".partial")
            # Written aside and renamed, so a crash or a full disk never leaves a truncated backup under the name.
            with partial.open("w", encoding="utf-8") as stream:
                summary = export_to(engine, stream)
            partial.replace(out)
    except OSError as exc:
        typer.echo(f"Cannot write the backup to {out}: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # a wrong URL or an unreachable server: say which, exit non-zero
        typer.echo(f"Cannot export {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"Exported {summary.total} rows from {url} (schema {summary.revision}).", err=True)


def restore(
    file: Annotated[Path, typer.Argument(help="A backup written by `deskops export` (- for standard input).")],
    database: Annotated[str | None, typer.Option("--database", help=DATABASE_HELP)] = None,
) -> None:
    """Load a backup into an empty database (a new SQLite file or a fresh PostgreSQL database)."""
    from deskops.bot.ops.backup import BackupError, restore_from
    from deskops.bot.runtime import Settings
    from deskops.core.persistence.db import make_engine

    url = Settings.from_env(database_url=database).database_url
    engine = make_engine(url)
    try:
        if str(file) == "-":
            summary = restore_from(engine, sys.stdin)
        else:
            with file.open(encoding="utf-8") as stream:
                summary = restore_from(engine, stream)
    except BackupError as exc:
        typer.echo(f"Nothing restored: {exc}.", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"Cannot read {file}: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # a wrong URL or an unreachable server: say which, exit non-zero
        typer.echo(f"Cannot restore into {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    tables = ", ".join(f"{name} {count}" for name, count in summary.rows.items()) or "no rows"
    typer.echo(f"Restored {summary.total} rows into {url} ({tables}).", err=True)
