"""Desk file reload without restart: `/admin reload` (admins) and SIGHUP; a broken file is refused, the old stays."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deskops.bot.commands.model import Actor
from deskops.bot.ops.reload import ConfigReloader
from deskops.bot.runtime import Runtime, Settings

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
NEW_CATEGORY = '  printing: {description: "Printers and scanners", default_group: workplace}\n'


def _desk_file(tmp_path: Path) -> Path:
    """The example desk with carol as an admin."""
    text = (REPO / "config" / "desk.yaml").read_text(encoding="utf-8")
    marker = "roles: [manager, duty_manager]"
    assert marker in text
    path = tmp_path / "desk.yaml"
    path.write_text(text.replace(marker, "roles: [manager, duty_manager, admin]", 1), encoding="utf-8")
    return path


def _add_category(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("categories:\n", "categories:\n" + NEW_CATEGORY, 1), encoding="utf-8")


@pytest.fixture
def desk(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = _desk_file(tmp_path)
    runtime = Runtime.build(
        Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", config_path=path, clock_start=START)
    )
    ConfigReloader(runtime, path).install_command()
    yield runtime, path
    runtime.stop()


def test_an_admin_reloads_and_the_new_file_is_used_at_once(desk) -> None:  # type: ignore[no-untyped-def]
    runtime, path = desk
    say = runtime.dispatcher.dispatch_text
    before = say('/ticket open "Scanner broken" --category printing', Actor("dave"))
    assert not before.ok and "printing" not in before.data.get("choices", [])
    _add_category(path)
    reply = say("/admin reload", Actor("carol"))
    assert reply.ok and reply.data == {"reloaded": True}, reply.text
    after = say('/ticket open "Scanner broken" --category printing', Actor("dave"))
    assert after.ok and after.data["ticket"]["group"] == "workplace", after.text
    assert runtime.config is runtime.dispatcher.context.config and "printing" in runtime.config.categories


def test_only_admins_may_reload(desk) -> None:  # type: ignore[no-untyped-def]
    runtime, path = desk
    _add_category(path)
    for who in ("dave", "alice"):
        reply = runtime.dispatcher.dispatch_text("/admin reload", Actor(who))
        assert not reply.ok and reply.data["error"] == "forbidden" and "admin" in reply.text
    assert "printing" not in runtime.config.categories


@pytest.mark.parametrize(
    ("breakage", "where"),
    [
        (lambda text: text.replace("default_group: workplace}", "default_group: nowhere}", 1), "nowhere"),
        (lambda text: text.replace("categories:\n", "categories:\n  - [\n", 1), "YAML"),
        (lambda text: text.replace("name: Example Desk", "name: Example Desk\nfrobnicate: 3", 1), "frobnicate"),
    ],
)
def test_a_broken_file_is_refused_with_located_errors_and_the_old_one_stays(desk, breakage, where) -> None:  # type: ignore[no-untyped-def]
    runtime, path = desk
    old_config, old_context = runtime.config, runtime.dispatcher.context
    path.write_text(breakage(path.read_text(encoding="utf-8")), encoding="utf-8")
    reply = runtime.dispatcher.dispatch_text("/admin reload", Actor("carol"))
    assert not reply.ok and reply.data["error"] == "config" and reply.data["problems"]
    assert where in reply.text and "previous one" in reply.text and "check-config" in reply.text
    assert runtime.config is old_config and runtime.dispatcher.context is old_context
    assert runtime.dispatcher.dispatch_text('/ticket open "Still works" --category hardware', Actor("dave")).ok


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="SIGHUP exists on POSIX only")
def test_sighup_reloads_a_running_desk(tmp_path: Path) -> None:
    path = _desk_file(tmp_path)
    env = {**os.environ, "DESKOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"}
    env.pop("SLACK_BOT_TOKEN", None)
    env.pop("DISCORD_TOKEN", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from deskops.bot.cli import main; main()",
            "run",
            "--config",
            str(path),
            "--json",
            "--as",
            "dave",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdin is not None and process.stdout is not None

    def ask(line: str) -> dict:  # type: ignore[type-arg]
        process.stdin.write(line + "\n")  # type: ignore[union-attr]
        process.stdin.flush()  # type: ignore[union-attr]
        return json.loads(process.stdout.readline())  # type: ignore[union-attr]

    try:
        assert ask('/ticket open "Scanner broken" --category printing')["ok"] is False
        _add_category(path)
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while True:  # the reload runs in its own thread: ask until it is in (or time runs out)
            reply = ask('/ticket open "Scanner broken" --category printing')
            if reply["ok"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert reply["ok"], reply
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
