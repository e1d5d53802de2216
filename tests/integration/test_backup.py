"""`deskops export`/`restore`: the whole desk as JSON lines, round-trip SQLite → PostgreSQL → SQLite identical."""

from __future__ import annotations

import io
import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from deskops.bot.cli import app
from deskops.bot.commands.model import Actor
from deskops.bot.ops.backup import BackupError, export_lines, restore_from
from deskops.bot.runtime import Runtime, Settings
from deskops.core.persistence.db import make_engine, normalize_url

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def _busy_desk(url: str) -> None:
    """A desk with tickets in several states, comments, an escalation and undelivered notifications."""
    runtime = Runtime.build(Settings(database_url=url, config_path=REPO / "config" / "desk.yaml", clock_start=START))
    try:
        say = runtime.dispatcher.dispatch_text
        for line, who in [
            ('/ticket open "VPN drops every hour" --urgency high --impact high', "dave"),
            ('/ticket open "Printer jams — “Zürich” 🖨️" --category hardware', "erin"),
            ('/ticket open "Need a new monitor" --category hardware', "dave"),
            ("/ticket assign INC-2 me", "alice"),
            ("/ticket comment INC-2 tried a new toner", "alice"),
            ("/ticket resolve INC-2 --code fixed", "alice"),
        ]:
            reply = say(line, Actor(who))
            assert reply.ok, (line, reply.text)
        runtime.start()
        runtime.advance_clock(START + timedelta(minutes=20))  # sweeps run: SLA marks, escalation steps
    finally:
        runtime.stop()


def _export(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return list(export_lines(engine))
    finally:
        engine.dispose()


def _restore(url: str, lines: list[str]) -> None:
    engine = make_engine(url)
    try:
        restore_from(engine, lines)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def busy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("busy") / "desk.db"
    _busy_desk(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_desk(busy_file: Path, tmp_path: Path) -> str:
    """A private copy of the busy desk (built once per module; the engine is disposed, so no WAL is left)."""
    copy = tmp_path / "desk.db"
    shutil.copyfile(busy_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def fresh_postgres(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped after it."""
    name = f"deskops_backup_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_export_holds_every_table_in_order_with_counts(sqlite_desk: str) -> None:
    lines = _export(sqlite_desk)
    header = json.loads(lines[0])
    rows = [json.loads(line) for line in lines[1:]]
    assert header["deskops_backup"] == 1 and header["revision"]
    counted = {name: sum(1 for row in rows if row["table"] == name) for name in {row["table"] for row in rows}}
    assert counted == header["tables"]
    assert counted["tickets"] == 3 and counted["ticket_events"] > 3 and counted["outbox"] > 0
    assert counted["escalations"] > 0  # the other areas' tables come along without being listed here
    order = [row["table"] for row in rows]
    assert order.index("tickets") < order.index("ticket_events")  # parents first: restore needs no FK tricks
    assert lines == _export(sqlite_desk)  # deterministic: two exports of one desk are identical


def test_sqlite_round_trip_is_identical_and_the_desk_works_after(sqlite_desk: str, tmp_path: Path) -> None:
    original = _export(sqlite_desk)
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    _restore(copy, original)
    assert _export(copy) == original
    runtime = Runtime.build(Settings(database_url=copy, config_path=REPO / "config" / "desk.yaml", clock_start=START))
    try:
        reply = runtime.dispatcher.dispatch_text('/ticket open "After restore"', Actor("dave"))
        assert reply.ok and reply.data["ticket"]["ref"] == "INC-4", reply.text
    finally:
        runtime.stop()


def test_round_trip_sqlite_postgres_sqlite_is_identical(sqlite_desk: str, fresh_postgres: str, tmp_path: Path) -> None:
    original = _export(sqlite_desk)
    _restore(fresh_postgres, original)
    assert _export(fresh_postgres) == original
    back = f"sqlite:///{tmp_path / 'back.db'}"
    _restore(back, _export(fresh_postgres))
    assert _export(back) == original
    # Sequences continue after the restored ids on PostgreSQL: a new ticket gets a new id, no collision.
    runtime = Runtime.build(
        Settings(database_url=fresh_postgres, config_path=REPO / "config" / "desk.yaml", clock_start=START)
    )
    try:
        reply = runtime.dispatcher.dispatch_text('/ticket open "On PostgreSQL now"', Actor("dave"))
        assert reply.ok and reply.data["ticket"]["ref"] == "INC-4", reply.text
    finally:
        runtime.stop()


def test_restore_refuses_a_database_that_holds_data(sqlite_desk: str) -> None:
    lines = _export(sqlite_desk)
    with pytest.raises(BackupError, match="already holds data"):
        _restore(sqlite_desk, lines)
    assert _export(sqlite_desk) == lines


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: ["not json", *lines[1:]], "not a DeskOps backup header"),
        (lambda lines: [], "empty"),
        (lambda lines: lines[:-1], "incomplete or edited"),
        (lambda lines: [*lines, '{"table": "users", "row": {}}'], "unknown"),
        (lambda lines: [*lines, "{broken"], "not JSON"),
        (lambda lines: [*lines[:2], lines[2].replace('"row":{', '"row":{"nope":1,'), *lines[3:]], "no column"),
    ],
)
def test_a_broken_backup_is_refused_and_nothing_is_restored(sqlite_desk: str, tmp_path: Path, edit, message) -> None:  # type: ignore[no-untyped-def]
    target = f"sqlite:///{tmp_path / 'target.db'}"
    with pytest.raises(BackupError, match=message):
        _restore(target, edit(_export(sqlite_desk)))
    assert json.loads(_export(target)[0])["tables"] == {}


def test_cli_export_and_restore(sqlite_desk: str, tmp_path: Path) -> None:
    runner = CliRunner()
    dump = tmp_path / "desk.jsonl"
    done = runner.invoke(app, ["export", "--database", sqlite_desk, "--out", str(dump)])
    assert done.exit_code == 0, done.output
    assert "Exported" in done.stderr and not (tmp_path / "desk.jsonl.partial").exists()
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    loaded = runner.invoke(app, ["restore", str(dump), "--database", copy])
    assert loaded.exit_code == 0, loaded.output
    assert dump.read_text(encoding="utf-8").splitlines() == _export(copy)
    again = runner.invoke(app, ["restore", str(dump), "--database", copy])
    assert again.exit_code == 1 and "Nothing restored" in again.stderr and "empty database" in again.stderr
    missing = runner.invoke(app, ["restore", str(tmp_path / "nope.jsonl"), "--database", copy])
    assert missing.exit_code == 1 and "Cannot read" in missing.stderr


def test_export_to_stdout_is_json_lines(sqlite_desk: str) -> None:
    out = CliRunner().invoke(app, ["export", "--database", sqlite_desk])
    assert out.exit_code == 0
    parsed = [json.loads(line) for line in io.StringIO(out.stdout)]
    assert parsed[0]["deskops_backup"] == 1 and len(parsed) == 1 + sum(parsed[0]["tables"].values())
