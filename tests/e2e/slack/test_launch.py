"""`deskops run` with Slack settings: the runtime's platform hook starts the adapter in HTTP mode."""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path

from deskops.bot.runtime import Runtime, Settings
from tests.e2e.slack.harness import REPO, SECRET, SLACK_USERS, TRIAGE, payload, wait_until
from tests.fakes.slack_server import FakeSlack, signed_headers


def test_runtime_starts_slack_from_the_environment_and_delivers_through_it(tmp_path: Path) -> None:
    with FakeSlack(SLACK_USERS) as fake:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
            "SLACK_HTTP_HOST": "127.0.0.1", "SLACK_HTTP_PORT": "0", "SLACK_TRIAGE_CHANNEL": TRIAGE,
        }
        settings = Settings.from_env(env, config_path=REPO / "config" / "desk.yaml",
                                     database_url=f"sqlite:///{tmp_path / 'desk.db'}")
        runtime = Runtime.build(settings)
        try:
            assert runtime.start_platforms() == ["slack"]
            url = runtime.platforms["slack"].where  # type: ignore[attr-defined]
            with urllib.request.urlopen(url + "/healthz", timeout=5) as health:
                assert health.status == 200
            body = payload("slash_command")
            body.update(text='open "Badge reader broken" --urgency high', response_url=fake.response_url())
            data = urllib.parse.urlencode(body)
            headers = signed_headers(SECRET, data)
            request = urllib.request.Request(url + "/slack/events", data=data.encode(), headers=headers)
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200
            wait_until(lambda: len(fake.channel_messages(TRIAGE)) == 1)
            assert "Badge reader broken" in fake.channel_messages(TRIAGE)[0]["text"]
            assert any(d.platform == "slack" for d in runtime.notifier.deliverers)
        finally:
            runtime.stop()
