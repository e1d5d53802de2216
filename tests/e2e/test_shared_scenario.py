"""One desk story over both chat adapters: open, work, page, acknowledge, comment, resolve.

The same typed script drives the real Slack adapter (against the fake Slack) and the real Discord
adapter (discord.py against the fake Discord), each over a fresh desk: SQLite, config/desk.yaml and
a simulated clock. The escalation sweep runs when the test moves the clock, exactly as in
production. Then the same desk outcome is asserted from the store for both platforms. What differs
between the platforms (how a user is driven, what a DM looks like, how its button is pressed) lives
in the DRIVERS table below and nowhere else.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from deskops.bot.runtime import Runtime, Settings
from deskops.core.persistence.escalation import PageRow
from deskops.core.persistence.tables import OutboxRow, TicketEventRow, TicketRow

REPO = Path(__file__).resolve().parents[2]
START = datetime.fromisoformat("2026-12-03T09:00+01:00")  # a Thursday in office hours; alice holds network-oncall
REQUESTER, AGENT, ON_CALL = "dave", "bob", "alice"  # bob is in the network group, whose on-call is paged
COMMENT = "Replaced the line card on the core switch"

EXPECTED_HISTORY = [
    "TicketOpened",  # dave, from the platform's slash command
    "TicketAssigned", "StateChanged", "TicketAcknowledged",  # bob's "Assign to me" on the card
    "EscalationStarted", "PageSent",  # the sweep: P1 runs the major-incident policy, step t0 pages the on-call
    "PageAcknowledged", "EscalationStopped",  # alice's Acknowledge button in her DM
    "CommentAdded",  # bob's reply in the ticket's thread
    "TicketResolved",  # bob's Resolve button and its form, code=fixed
]


# ---------------------------------------------------------------------------------------- drivers


@dataclass(frozen=True)
class Driver:
    """How the shared script reaches one platform: its sandbox, and how a DM is read and its button pressed."""

    start: Callable[[Runtime], Any]
    type_line: Callable[[Any, str], None]
    settle: Callable[[Any], None]
    dms: Callable[[Any, str], list[tuple[str, list[str]]]]
    """person → the bot's direct messages to them, oldest first, as (everything shown, button labels)."""
    press_in_dm: Callable[[Any, str, str], None]
    """(sandbox, person, label): that person presses the button in their own DM with the bot."""


def _slack_start(runtime: Runtime) -> Any:
    from deskops.bot.adapters.slack.sandbox import SlackSandbox

    return SlackSandbox(runtime, out=lambda _line: None, person=REQUESTER)


def _slack_dm_channel(sandbox: Any, person: str) -> str:
    return "D" + str(sandbox.user_ids[person]).removeprefix("U")  # conversations.open names the DM after the user


def _slack_buttons(message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(e["text"]["text"], e) for b in message.get("blocks") or [] for e in b.get("elements") or []
            if isinstance(e, dict) and e.get("type") == "button"]


def _slack_dms(sandbox: Any, person: str) -> list[tuple[str, list[str]]]:
    messages = sandbox.fake.channel_messages(_slack_dm_channel(sandbox, person))
    return [(json.dumps(m, ensure_ascii=False), [label for label, _ in _slack_buttons(m)]) for m in messages]


def _slack_press_in_dm(sandbox: Any, person: str, label: str) -> None:
    sandbox.handle(f"/as {person}")
    for message in reversed(sandbox.fake.channel_messages(_slack_dm_channel(sandbox, person))):
        element = next((e for text, e in _slack_buttons(message) if text == label), None)
        if element is not None:
            sandbox._action(message, element)  # a block_actions payload from the DM, signed, over HTTP
            _slack_settle(sandbox)
            return
    raise AssertionError(f"no {label!r} button in {person}'s Slack DM")


def _slack_settle(sandbox: Any) -> None:
    sandbox._settle()
    sandbox.runtime.deliver_now()
    sandbox._settle()


def _discord_start(runtime: Runtime) -> Any:
    from deskops.bot.adapters.discord.sandbox import DiscordSandbox

    return DiscordSandbox(runtime, out=lambda _line: None, person=REQUESTER)


def _discord_dm_messages(sandbox: Any, person: str) -> list[dict[str, Any]]:
    user_id = sandbox.users[person]["id"]
    channels = [c["id"] for c in sandbox.fake.channels.values()
                if c.get("type") == 1 and c["recipients"][0]["id"] == user_id]
    return [m for channel in channels for m in sandbox.fake.channel_messages(channel)]


def _discord_buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(b.get("label")), b["custom_id"]) for row in message.get("components") or []
            for b in row.get("components") or [] if b.get("type") == 2]


def _discord_dms(sandbox: Any, person: str) -> list[tuple[str, list[str]]]:
    return [(json.dumps(m, ensure_ascii=False), [label for label, _ in _discord_buttons(m)])
            for m in _discord_dm_messages(sandbox, person)]


def _discord_press_in_dm(sandbox: Any, person: str, label: str) -> None:
    sandbox.handle_line(f"/as {person}")
    for message in reversed(_discord_dm_messages(sandbox, person)):
        custom_id = next((c for text, c in _discord_buttons(message) if text == label), None)
        if custom_id is not None:  # a component interaction over the gateway, from the DM channel
            sandbox._call(sandbox.fake.click(sandbox.users[person], message["id"], custom_id))
            sandbox._settle()
            return
    raise AssertionError(f"no {label!r} button in {person}'s Discord DM")


DRIVERS: dict[str, Driver] = {
    "slack": Driver(_slack_start, lambda s, line: s.handle(line), _slack_settle, _slack_dms, _slack_press_in_dm),
    "discord": Driver(_discord_start, lambda s, line: s.handle_line(line), lambda s: s._settle(), _discord_dms,
                      _discord_press_in_dm),
}


# ---------------------------------------------------------------------------------------- the story


@dataclass
class Played:
    """What one platform run left behind: the runtime (its store) and what people saw in their DMs."""

    runtime: Runtime
    page_dm: list[tuple[str, list[str]]]
    requester_dm: list[tuple[str, list[str]]]


@pytest.fixture(scope="module", params=sorted(DRIVERS))
def played(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    """The shared script, played once per platform through its adapter over a fresh desk."""
    driver = DRIVERS[request.param]
    database = tmp_path_factory.mktemp(request.param) / "desk.db"
    runtime = Runtime.build(Settings(database_url=f"sqlite:///{database}",
                                     config_path=REPO / "config" / "desk.yaml", clock_start=START))
    runtime.start()  # on the simulated clock this only arms the jobs; moving the clock runs them
    sandbox = driver.start(runtime)
    try:
        def type_(*lines: str) -> None:
            for line in lines:
                driver.type_line(sandbox, line)

        type_(f"/as {REQUESTER}", '/ticket open "Core switch down" --urgency high --impact high')
        type_(f"/as {AGENT}", "press Assign to me")
        runtime.advance_clock(runtime.clock.now() + timedelta(minutes=1))  # the sweep pages, the outbox delivers
        driver.settle(sandbox)
        page_dm = driver.dms(sandbox, ON_CALL)
        driver.press_in_dm(sandbox, ON_CALL, "Acknowledge")
        type_(f"/as {AGENT}", f"reply {COMMENT}", "press Resolve", "submit code=fixed")
        yield Played(runtime, page_dm, driver.dms(sandbox, REQUESTER))
    finally:
        sandbox.close()
        runtime.stop()


def _ticket(runtime: Runtime) -> tuple[TicketRow, list[TicketEventRow]]:
    with Session(runtime.engine) as session:
        [ticket] = session.exec(select(TicketRow)).all()
        events = session.exec(select(TicketEventRow).where(TicketEventRow.ticket_id == ticket.id)
                              .order_by(col(TicketEventRow.seq))).all()
        return ticket, list(events)


def test_the_same_story_leaves_the_same_desk_on_both_platforms(played: Played) -> None:
    ticket, events = _ticket(played.runtime)
    assert (ticket.state, ticket.priority, ticket.requester, ticket.assignee, ticket.group_name) == (
        "resolved", "P1", REQUESTER, AGENT, "network")
    assert [e.type for e in events] == EXPECTED_HISTORY
    actors = {e.type: e.actor for e in events}
    assert (actors["TicketOpened"], actors["TicketAssigned"], actors["PageAcknowledged"], actors["CommentAdded"],
            actors["TicketResolved"]) == (REQUESTER, AGENT, ON_CALL, AGENT, AGENT)
    resolved = next(e for e in events if e.type == "TicketResolved")
    assert resolved.payload["resolution_code"] == "fixed"
    comment = next(e for e in events if e.type == "CommentAdded")
    assert (comment.payload["text"], comment.payload["visibility"]) == (COMMENT, "public")


def test_exactly_one_page_went_out_by_dm_and_it_was_acknowledged(played: Played) -> None:
    with Session(played.runtime.engine) as session:
        pages = session.exec(select(PageRow)).all()
    assert [(p.recipient, p.status) for p in pages] == [(ON_CALL, "acknowledged")]
    assert pages[0].acknowledged_at is not None and pages[0].acknowledged_at >= pages[0].sent_at
    paging = [(shown, labels) for shown, labels in played.page_dm if "Acknowledge" in labels]
    assert len(paging) == 1, f"one page with an Acknowledge button in {ON_CALL}'s DM: {played.page_dm}"
    assert "INC-1" in paging[0][0] and "Escalate" in paging[0][1]


def _outbox_once_settled(played: Played, wait_seconds: float = 20.0) -> list[OutboxRow]:
    """The outbox rows, once delivery has marked them (a platform's send completes on its own loop)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        with Session(played.runtime.engine) as session:
            outbox = list(session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all())
        if all(row.delivered_at is not None for row in outbox) or time.monotonic() > deadline:
            return outbox
        time.sleep(0.2)


def test_the_requester_was_told_each_step_and_nothing_is_left_undelivered(played: Played) -> None:
    outbox = _outbox_once_settled(played)
    told = [row.payload["event"] for row in outbox if row.recipient == REQUESTER]
    assert told == ["TicketAcknowledged", "CommentAdded", "TicketResolved"]
    assert [(row.kind, row.recipient) for row in outbox if row.recipient != REQUESTER] == [
        ("escalation.page", ON_CALL)]
    assert all(row.delivered_at is not None and row.last_error is None for row in outbox), [
        (row.kind, row.recipient, row.last_error) for row in outbox]
    shown = [text for text, _labels in played.requester_dm]
    assert any(COMMENT in text for text in shown), f"the comment did not reach {REQUESTER}'s DM: {shown}"
    assert any("resolved it (fixed)" in text for text in shown), shown
