"""The Slack adapter in front of the real desk (CommandDispatcher, use cases, SQLite): open, work, resolve."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskops.bot.commands.model import Actor, Command, Reply
from tests.e2e.slack.harness import TRIAGE, SlackHarness, payload, wait_until
from tests.e2e.slack.test_intake_and_work import _card_button, _press


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[SlackHarness]:
    """The adapter over the real desk."""
    harness = SlackHarness(tmp_path, real_desk=True)
    try:
        yield harness
    finally:
        harness.close()


def _show(desk: SlackHarness, ref: str, person: str = "alice") -> dict[str, Any]:
    reply: Reply = desk.dispatcher.dispatch(Command("ticket.show", Actor(person), {"ref": ref}))
    assert reply.ok, reply.text
    return dict(reply.data)


def _submit_view(desk: SlackHarness, view: dict[str, Any], values: dict[str, Any], user: str) -> tuple[int, str]:
    data = payload("view_submission_open")
    data["user"]["id"] = user
    data["view"].update(id=f"V{time.monotonic_ns()}", callback_id=view["callback_id"],
                        private_metadata=view["private_metadata"])
    data["view"]["state"]["values"] = {
        k: {"value": {"type": "static_select", "selected_option": {"value": v}}} for k, v in values.items()
    }
    status, body, _ = desk.interaction(data)
    return status, body


def test_open_work_and_resolve_a_ticket_from_slack(desk: SlackHarness) -> None:
    desk.slash('open "VPN drops every hour" --urgency high --impact medium')
    wait_until(lambda: len(desk.fake.channel_messages(TRIAGE)) == 1)
    card = desk.fake.channel_messages(TRIAGE)[0]
    ref = card["text"].split(" ")[0]
    ticket = _show(desk, ref)["ticket"]
    assert (ticket["title"], ticket["requester"], ticket["priority"]) == ("VPN drops every hour", "dave", "P2")
    answer = desk.fake.wait_for("response_url")[0].params
    assert answer["response_type"] == "ephemeral" and ref in answer["text"]

    _press(desk, card, "Assign to me")  # alice, an agent, mapped by email through users.info
    wait_until(lambda: _show(desk, ref)["ticket"]["assignee"] == "alice")
    edited = desk.fake.wait_for("chat.update")[0].params
    assert edited["ts"] == card["ts"]
    assert any("Alice" in f["text"] for b in edited["blocks"] for f in b.get("fields", []))

    reply = payload("event_thread_reply")
    reply["event"]["thread_ts"] = card["ts"]
    desk.event(reply)
    wait_until(lambda: len(_show(desk, ref).get("comments", [])) == 1)
    assert _show(desk, ref, "dave")["comments"][0]["text"] == "Restarted the VPN concentrator, please try again"

    _press(desk, desk.fake.channel_messages(TRIAGE)[0], "Resolve")  # needs a resolution code: a form asks
    view = desk.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "deskops_args"
    assert "code" in [b["block_id"] for b in view["blocks"]]
    status, _ = _submit_view(desk, view, {"code": "fixed"}, "U0ALICE")
    assert status == 200
    wait_until(lambda: _show(desk, ref)["ticket"]["state"] == "resolved")
    assert len(desk.fake.channel_messages(TRIAGE)) == 1  # one card, redrawn in place
    wait_until(lambda: "resolved" in json.dumps(desk.fake.channel_messages(TRIAGE)[0]["blocks"]))
    resolved_card = desk.fake.channel_messages(TRIAGE)[0]
    labels = [e["text"]["text"] for b in resolved_card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Reopen"]


def test_requester_cannot_work_a_ticket_from_the_card(desk: SlackHarness) -> None:
    desk.slash("open Printer jammed")
    wait_until(lambda: len(desk.fake.channel_messages(TRIAGE)) == 1)
    card = desk.fake.channel_messages(TRIAGE)[0]
    ref = card["text"].split(" ")[0]
    _press(desk, card, "Assign to me", user="U0ERIN")  # erin is a requester, and not this one's
    refusal = desk.fake.wait_for("response_url", 2)[1].params
    assert refusal["response_type"] == "ephemeral"
    _press(desk, card, "Assign to me", user="U0STRANGER")  # not in the desk file at all
    unlisted = desk.fake.wait_for("response_url", 3)[2].params
    assert "ask a desk admin to add `slack: U0STRANGER`" in unlisted["text"]
    assert _show(desk, ref)["ticket"]["assignee"] is None


def test_malformed_slash_text_gets_the_parser_help_and_changes_nothing(desk: SlackHarness) -> None:
    desk.slash("opn VPN")
    answer = desk.fake.wait_for("response_url")[0].params
    assert "open" in answer["text"]  # did-you-mean from the shared parser
    time.sleep(0.3)
    assert desk.fake.channel_messages(TRIAGE) == []
    listed = desk.dispatcher.dispatch(Command("ticket.list", Actor("alice"), {"state": "all"}))
    assert "INC-" not in json.dumps(listed.to_json())


def test_card_button_value_round_trips(desk: SlackHarness) -> None:
    desk.slash("open Laptop battery swollen")
    wait_until(lambda: len(desk.fake.channel_messages(TRIAGE)) == 1)
    assert json.loads(_card_button(desk.fake.channel_messages(TRIAGE)[0], "Resolve")["value"])["c"] == "ticket.resolve"


def _deliverer(desk: SlackHarness) -> Any:
    from deskops.bot.adapters.slack.deliverer import SlackDeliverer
    from deskops.core.clock import SystemClock

    d = desk.slack_desk
    return SlackDeliverer(desk.client, d.people, d.threads, d.deliveries, desk.settings, SystemClock(), d.knows)


def test_agent_comment_reaches_the_requester_by_dm_and_a_failed_post_is_retried(desk: SlackHarness) -> None:
    from datetime import UTC, datetime, timedelta

    from deskops.bot.notify.outbox import OutboxDelivery

    desk.slash("open Cannot print to floor 3")
    wait_until(lambda: len(desk.fake.channel_messages(TRIAGE)) == 1)
    card = desk.fake.channel_messages(TRIAGE)[0]
    ref = card["text"].split(" ")[0]
    _press(desk, card, "Assign to me")
    wait_until(lambda: _show(desk, ref)["ticket"]["assignee"] == "alice")
    reply = payload("event_thread_reply")
    reply["event"].update(thread_ts=card["ts"], text="Replaced the toner, please try again")
    desk.event(reply)
    wait_until(lambda: len(_show(desk, ref).get("comments", [])) == 1)

    outbox = OutboxDelivery(desk.engine, [_deliverer(desk)])
    pending = outbox.pending_count()
    assert pending >= 2  # requester: taken in hand, and the public comment
    desk.fake.fail("chat.postMessage", error="internal_error")  # Slack has a bad moment
    first = outbox.deliver_due(datetime.now(UTC))
    assert len(first.failed) == 1 and outbox.pending_count() == 1  # kept, not lost
    second = outbox.deliver_due(datetime.now(UTC) + timedelta(hours=1))
    assert len(second.delivered) == 1 and outbox.pending_count() == 0
    dms = [m for m in desk.fake.channel_messages("D0DAVE")]
    assert sum("Replaced the toner" in (m["text"] or "") for m in dms) == 1
    assert len(dms) == pending  # each notification exactly once
    # the requester answers in the thread of the DM: a public comment on the ticket (two-way)
    comment_dm = next(m for m in dms if "Replaced the toner" in (m["text"] or ""))
    answer = payload("event_message_im")
    answer["event_id"] = "Ev0DMREPLY"
    answer["event"].update(text="Still blank pages, sorry", thread_ts=comment_dm["ts"], ts="1355517600.000001")
    desk.event(answer)
    wait_until(lambda: len(_show(desk, ref).get("comments", [])) == 2)
    assert _show(desk, ref)["comments"][1]["text"] == "Still blank pages, sorry"
    assert _show(desk, ref)["comments"][1]["author"] == "dave"
    # a repeat of an already-posted notification (e.g. its success was not recorded) posts nothing
    again = _deliverer(desk)
    from deskops.bot.notify.model import Notification

    posted = Notification(id=0, key=second.delivered[0], kind="ticket.update", recipient="dave", text="x",
                          created_at=datetime.now(UTC), attempt=2, ticket_ref=ref)
    again.deliver(posted)
    assert len(desk.fake.channel_messages("D0DAVE")) == pending


def test_page_by_dm_has_acknowledge_and_escalate_buttons(desk: SlackHarness) -> None:
    from datetime import UTC, datetime

    from deskops.bot.adapters.slack.deliverer import SlackDeliverer
    from deskops.bot.notify.model import Notification
    from deskops.core.clock import SystemClock

    d = desk.slack_desk
    deliverer = SlackDeliverer(desk.client, d.people, d.threads, d.deliveries, desk.settings, SystemClock())
    page = Notification(id=1, key="page:9:g1:s1:alice", kind="escalation.page", recipient="alice",
                        text="P1 INC-9: VPN down", created_at=datetime.now(UTC), attempt=1, ticket_ref="INC-9")
    assert deliverer.can_reach("alice") and not deliverer.can_reach("nobody")
    deliverer.deliver(page)
    message = desk.fake.channel_messages("D0ALICE")[0]
    labels = [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Acknowledge", "Escalate"]
    values = [json.loads(e["value"]) for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert values == [{"c": "page.ack", "a": {"ref": "INC-9"}}, {"c": "ticket.escalate", "a": {"ref": "INC-9"}}]


def test_real_page_is_acknowledged_from_its_dm_button(desk: SlackHarness) -> None:
    from datetime import UTC, datetime

    from deskops.bot.notify.outbox import OutboxDelivery

    desk.slash('open "Core switch down" --urgency high --impact high')
    wait_until(lambda: len(desk.fake.channel_messages(TRIAGE)) == 1)
    ref = desk.fake.channel_messages(TRIAGE)[0]["text"].split(" ")[0]
    desk.slash(f"major {ref}", user="U0ALICE")  # pages the on-call at once
    outbox = OutboxDelivery(desk.engine, [_deliverer(desk)])
    wait_until(lambda: outbox.pending_count() > 0)
    outbox.deliver_due(datetime.now(UTC))
    pages = [(channel, m) for channel, ms in desk.fake.messages.items() if channel.startswith("D") for m in ms
             if any(e.get("text", {}).get("text") == "Acknowledge"
                    for b in m.get("blocks") or [] if b["type"] == "actions" for e in b["elements"])]
    assert pages, "no page with an Acknowledge button was delivered by DM"
    channel, message = pages[0]
    person = "U" + channel.removeprefix("D")  # the fake names DM channels after the user
    data = payload("block_actions_button")
    data["user"]["id"] = person
    data["channel"] = {"id": channel}
    data["container"] = {"type": "message", "message_ts": message["ts"], "channel_id": channel}
    button = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["text"]["text"] == "Acknowledge")
    data["actions"][0].update(action_id=button["action_id"], value=button["value"])
    desk.interaction(data)
    answer = desk.fake.wait_for("response_url", 3)[-1].params
    assert answer["response_type"] == "ephemeral"
    assert "acknowledg" in answer["text"].lower(), answer["text"]

def test_declared_major_incident_gets_its_own_channel(desk: SlackHarness) -> None:
    from datetime import UTC, datetime

    from deskops.bot.notify.outbox import OutboxDelivery

    desk.slash('open "Payroll system down" --urgency high --impact high')
    wait_until(lambda: len(desk.fake.channel_messages(TRIAGE)) == 1)
    card = desk.fake.channel_messages(TRIAGE)[0]
    ref = card["text"].split(" ")[0]
    desk.slash(f'major {ref} --reason "nobody gets paid"', user="U0ALICE")
    answer = desk.fake.wait_for("response_url", 2)[1].params
    assert ref in answer["text"], answer["text"]
    outbox = OutboxDelivery(desk.engine, [_deliverer(desk)])
    wait_until(lambda: outbox.pending_count() > 0)
    outbox.deliver_due(datetime.now(UTC))
    created = desk.fake.wait_for("conversations.create")[0].params
    assert created["name"] == f"major-{ref.lower()}"
    channel = next(c for c in desk.fake.messages if c.startswith("C") and c not in (TRIAGE, "C0GENERAL"))
    assert "MAJOR INCIDENT" in desk.fake.channel_messages(channel)[0]["text"]
    assert desk.fake.wait_for("conversations.invite")[0].params["users"] == "U0DAVE"
    pointer = [m for m in desk.fake.channel_messages(TRIAGE) if m.get("thread_ts") == card["ts"]]
    assert any(f"<#{channel}>" in m["text"] for m in pointer)
    outbox.deliver_due(datetime.now(UTC))  # nothing left: the channel is opened once
    assert len(desk.fake.calls_to("conversations.create")) == 1


def test_confidential_ticket_card_shows_no_details(desk: SlackHarness) -> None:
    desk.slash('open "Phishing mail from ceo-payments.example" --category security '
               '--description "Clicked the link, entered my password"')
    wait_until(lambda: len(desk.fake.channel_messages(TRIAGE)) == 1)
    card = desk.fake.channel_messages(TRIAGE)[0]
    shown = json.dumps(card)
    assert "confidential (security)" in shown
    assert "Phishing" not in shown and "password" not in shown and "Dave" not in shown
