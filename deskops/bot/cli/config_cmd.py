"""`deskops check-config [FILE]`: validate a desk file and report every located problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `check-config` to the `deskops` app."""
    app.command("check-config")(check_config)


def check_config(
    file: Annotated[
        Path | None,
        typer.Argument(help="Desk file to check (default: $DESKOPS_CONFIG or config/desk.yaml)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Validate a desk file: exit 1 with located errors (file:line: path: problem), 0 with a summary."""
    from deskops.bot.config_loader import ConfigError, default_config_path, load_config, summarize

    path = file or default_config_path()
    try:
        config = load_config(path)
    except ConfigError as exc:
        if as_json:
            problems = [{"path": p.path, "line": p.line, "message": p.message} for p in exc.problems]
            typer.echo(json.dumps({"ok": False, "file": str(path), "problems": problems}))
        for problem in exc.problems:
            typer.echo(problem.render(exc.source), err=True)
        count = "1 problem; fix it" if len(exc.problems) == 1 else f"{len(exc.problems)} problems; fix them"
        typer.echo(f"{path}: {count} and run check-config again", err=True)
        raise typer.Exit(1) from None
    counts = summarize(config)
    if as_json:
        typer.echo(json.dumps({"ok": True, "file": str(path), "name": config.name, "sections": counts}))
        return
    listed = ", ".join(f"{n} {section}" for section, n in counts.items())
    typer.echo(f"{path}: OK — {config.name}: {listed}")
