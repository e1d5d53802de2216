"""The fake Slack for tests: Web API, response URLs and a Socket Mode websocket on 127.0.0.1.

It lives in the package (deskops.bot.adapters.slack.fake_api) because `deskops run --adapter
slack --sandbox` starts it too; tests import it from here.
"""

from deskops.bot.adapters.slack.fake_api import (
    BOT_USER_ID,
    TEAM_ID,
    Call,
    FakeSlack,
    FakeUser,
    running_fake_slack,
    signed_headers,
)

__all__ = ["BOT_USER_ID", "TEAM_ID", "Call", "FakeSlack", "FakeUser", "running_fake_slack", "signed_headers"]
