"""The Discord sandbox (`python -m deskops.bot.adapters.discord.sandbox`) run as a newcomer would, on a script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCRIPT = """\
/ticket open "VPN drops every hour" --urgency high --impact medium
/as alice
press Assign to me
reply Restarted the concentrator
press Resolve
submit code=fixed
/as dave
say The printer on 3 is jammed
react
/ticket open --urgency extreme
quit
"""


def test_the_sandbox_runs_a_ticket_life_over_the_real_adapter_and_desk(tmp_path: Path) -> None:
    env = {**os.environ, "DESKOPS_CONFIG": str(REPO / "config" / "desk.yaml")}
    env.pop("DISCORD_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "deskops.bot.adapters.discord.sandbox", "--as", "dave",
         "--database", f"sqlite:///{tmp_path / 'sandbox.db'}"],
        input=SCRIPT, capture_output=True, text=True, cwd=REPO, env=env, timeout=180, check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "thread 'INC-1 VPN drops every hour' created in #tickets" in out
    assert "Assignee: Alice Meier" in out, "the card was redrawn after Assign to me"
    assert "✅ added to your message" in out, "the thread reply became a comment"
    assert "DM to dave: INC-1: Alice Meier commented: Restarted the concentrator" in out
    assert "form 'ticket resolve INC-1' opened: code" in out
    assert "State: resolved" in out
    assert "thread 'INC-2 The printer on 3 is jammed' created" in out, "the 🎫 reaction opened a ticket"
    assert "(Discord would not send this)" in out and "extreme" in out, "a bad choice is refused before sending"
