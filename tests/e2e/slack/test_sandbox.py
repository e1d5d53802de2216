"""The Slack sandbox: a newcomer's script typed as Slack users drives the real adapter end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.slack.harness import REPO

SCRIPT = """\
# dave reports, alice works it
/ticket open "VPN drops every hour" --urgency high --impact medium
/as alice
press Assign to me
reply Restarted the concentrator, try again
press Resolve
submit code=fixed
/as dave
/ticket new
submit title=x
/ticket opn x
quit
"""


def test_sandbox_script_shows_the_adapter_at_work(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deskops.bot.adapters.slack.sandbox", "--database",
         f"sqlite:///{tmp_path / 'sandbox.db'}", "--config", str(REPO / "config" / "desk.yaml"), "--as", "dave"],
        input=SCRIPT, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "→ #triage: INC-1 · VPN drops every hour" in out
    assert "→ card updated in #triage: INC-1" in out and "Alice Meier" in out
    assert "→ DM to dave: INC-1: Alice Meier commented: Restarted the concentrator, try again" in out
    assert 'form "Resolve INC-1" opened: code' in out
    assert "→ DM to dave: INC-1: Alice Meier resolved it (fixed)" in out
    assert "form error at title: Give the ticket a short title" in out
    assert "Did you mean 'open'?" in out


def test_sandbox_refuses_an_unknown_person(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deskops.bot.adapters.slack.sandbox", "--database",
         f"sqlite:///{tmp_path / 'sandbox.db'}", "--config", str(REPO / "config" / "desk.yaml"), "--as", "mallory"],
        input="quit\n", capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "Nobody called 'mallory'" in result.stderr and "alice" in result.stderr
