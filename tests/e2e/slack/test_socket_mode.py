"""Socket Mode through slack_bolt's SocketModeHandler against the fake websocket."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskops.bot.adapters.slack.app import SlackDesk, build_app
from deskops.bot.adapters.slack.client import make_client
from deskops.bot.adapters.slack.people import SlackPeople
from deskops.bot.adapters.slack.settings import SlackSettings
from deskops.bot.adapters.slack.socket_mode import socket_mode_handler
from deskops.core.clock import SystemClock
from deskops.core.persistence.db import make_engine
from deskops.core.persistence.slack_tables import DeliveryLog, ThreadMap, create_slack_tables
from tests.e2e.slack.harness import PEOPLE, SLACK_USERS, TRIAGE, RecordingDesk, parse_text, payload, wait_until
from tests.fakes.slack_server import FakeSlack


@pytest.fixture
def socket(tmp_path: Path) -> Iterator[tuple[FakeSlack, RecordingDesk, Any]]:
    """The adapter connected over Socket Mode to the fake Slack."""
    fake = FakeSlack(SLACK_USERS).start()
    engine = make_engine(f"sqlite:///{tmp_path / 'slack.db'}")
    create_slack_tables(engine)
    settings = SlackSettings(bot_token="xoxb-test", app_token="xapp-1-test", api_url=fake.api_url,
                             default_triage_channel=TRIAGE)
    client = make_client(settings)
    desk = RecordingDesk()
    slack_desk = SlackDesk(dispatcher=desk, people=SlackPeople(client, PEOPLE), deliveries=DeliveryLog(engine),
                           threads=ThreadMap(engine), clock=SystemClock(), settings=settings, parse=parse_text)
    handler = socket_mode_handler(build_app(slack_desk, client), app_token="xapp-1-test", api_url=fake.api_url,
                                  ping_interval=1)
    handler.connect()
    try:
        fake.wait_socket_connected()
        yield fake, desk, handler
    finally:
        handler.close()
        slack_desk.shutdown()
        fake.stop()
        engine.dispose()


def test_envelopes_are_acknowledged_and_a_redelivery_after_reconnect_opens_one_ticket(
    socket: tuple[FakeSlack, RecordingDesk, Any],
) -> None:
    fake, desk, _ = socket
    assert fake.calls_to("apps.connections.open")[0].params == {}  # the app token went in the header
    fake.add_message("C0GENERAL", "Wi-Fi in room 4.12 keeps dropping", "U0ERIN")
    event = payload("event_reaction_added")
    event["event"]["item"]["ts"] = fake.channel_messages("C0GENERAL")[0]["ts"]
    first = fake.socket_send(event, type_="events_api")
    assert fake.wait_socket_ack(first)["envelope_id"] == first
    wait_until(lambda: len(desk.opened()) == 1)

    fake.socket_drop()  # the connection breaks; the client reconnects through apps.connections.open
    fake.wait_socket_connected(connects=2)
    assert len(fake.calls_to("apps.connections.open")) >= 2
    again = fake.socket_send(event, type_="events_api", retry_attempt=1)  # Slack delivers it again
    fake.wait_socket_ack(again)
    time.sleep(0.5)
    assert len(desk.opened()) == 1
    assert len(fake.channel_messages(TRIAGE)) == 1


def test_slash_command_over_socket_mode(socket: tuple[FakeSlack, RecordingDesk, Any]) -> None:
    fake, desk, _ = socket
    command = payload("slash_command")
    command["response_url"] = fake.response_url()
    envelope = fake.socket_send(command, type_="slash_commands")
    fake.wait_socket_ack(envelope)
    wait_until(lambda: len(desk.opened()) == 1)
    assert desk.opened()[0].title == "VPN drops every hour"
    assert "INC-1" in fake.wait_for("response_url")[0].params["text"]
