"""The `deskops` command line. Each area registers its commands from its own module.

Heavy libraries (statsmodels, OR-Tools, matplotlib, chat SDKs) are imported inside the command
functions, so `deskops --help` and small commands start fast.
"""

from __future__ import annotations

import typer

from deskops.bot.cli import backup, config_cmd, data, db, oncall, people, plan, process, run, sla, webhooks

app = typer.Typer(
    name="deskops",
    help="DeskOps: a service desk that lives in chat.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """DeskOps: a service desk that lives in chat."""


@app.command()
def version() -> None:
    """Print the DeskOps version."""
    from deskops import __version__

    typer.echo(__version__)


for _module in (run, config_cmd, db, data, backup, sla, oncall, plan, process, people, webhooks):
    _module.register(app)


def main() -> None:
    """Entry point of the `deskops` command."""
    app()
