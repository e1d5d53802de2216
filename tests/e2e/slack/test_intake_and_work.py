"""Intake (form, shortcut, reaction, DM) and working a ticket (buttons, thread replies, App Home)."""

from __future__ import annotations

import json
import time
from typing import Any

from deskops.bot.adapters.slack.blocks import decode_action
from tests.e2e.slack.harness import TRIAGE, SlackHarness, payload, wait_until


def _form(title: str, **values: str) -> dict[str, Any]:
    data = payload("view_submission_open")
    state = data["view"]["state"]["values"]
    state["title"]["value"]["value"] = title
    for key, value in values.items():
        state[key]["value"]["value"] = value
    return data


def _card_button(card: dict[str, Any], label: str) -> dict[str, Any]:
    for block in card["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return dict(element)
    raise AssertionError(f"no button {label!r} on the card")


def _press(slack: SlackHarness, card: dict[str, Any], label: str, user: str = "U0ALICE") -> None:
    button = _card_button(card, label)
    data = payload("block_actions_button")
    data["user"]["id"] = user
    data["container"]["message_ts"] = card["ts"]
    data["message"]["ts"] = card["ts"]
    data["actions"][0].update(action_id=button["action_id"], value=button["value"], text=button["text"])
    data["trigger_id"] = f"{time.monotonic_ns()}.3.abc"
    assert slack.interaction(data)[0] == 200


def test_slash_without_text_opens_the_form(slack: SlackHarness) -> None:
    slack.slash("")
    view = slack.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "deskops_open"
    assert [b["block_id"] for b in view["blocks"]] == ["title", "description", "urgency", "impact", "kind",
                                                       "category", "service"]


def test_form_with_a_bad_title_shows_the_error_in_the_modal_then_opens(slack: SlackHarness) -> None:
    status, body, _ = slack.interaction(_form("  "))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert "title" in answer["errors"]
    time.sleep(0.3)
    assert slack.desk.opened() == []
    status, body, _ = slack.interaction(_form("Cannot reach the CRM"))
    assert status == 200 and body == ""
    wait_until(lambda: len(slack.desk.opened()) == 1)
    ticket = slack.desk.opened()[0]
    assert ticket.args["urgency"] == "high" and ticket.args["impact"] == "medium"
    assert ticket.args["service"] == "crm"
    dm = slack.fake.wait_for("chat.postMessage")[0]
    assert dm.params["channel"] == "D0DAVE" and ticket.ref in dm.params["text"]


def test_form_refuses_a_value_outside_the_choices(slack: SlackHarness) -> None:
    data = _form("Laptop broken")
    data["view"]["state"]["values"]["urgency"]["value"]["selected_option"]["value"] = "whenever"
    answer = json.loads(slack.interaction(data)[1])
    assert answer["errors"] == {"urgency": "Choose one of: high, medium, low."}


def test_message_shortcut_prefills_the_form_with_text_and_link(slack: SlackHarness) -> None:
    slack.interaction(payload("message_shortcut"))
    view = slack.fake.wait_for("views.open")[0].params["view"]
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "The shared printer on floor 3 prints blank pages"
    assert "Since this morning" in blocks["description"]["element"]["initial_value"]
    meta = json.loads(view["private_metadata"])
    assert meta["permalink"].startswith("https://fake.slack.local/archives/C0GENERAL/p")
    # submitting that form opens the ticket with the link and notes it under the source message
    data = _form("The shared printer on floor 3 prints blank pages")
    data["view"]["private_metadata"] = view["private_metadata"]
    slack.interaction(data)
    wait_until(lambda: len(slack.desk.opened()) == 1)
    assert meta["permalink"] in slack.desk.opened()[0].args["description"]
    notes = slack.fake.wait_for("chat.postMessage", 3)
    assert any(c.params.get("thread_ts") == "1581106237.000200" for c in notes)


def test_dm_to_the_app_offers_the_prefilled_form(slack: SlackHarness) -> None:
    slack.event(payload("event_message_im"))
    prompt = slack.fake.wait_for("chat.postMessage")[0].params
    assert prompt["channel"] == "D0DAVE"
    button = prompt["blocks"][1]["elements"][0]
    data = payload("block_actions_button")
    data["user"]["id"] = "U0DAVE"
    data["channel"] = {"id": "D0DAVE", "name": "directmessage"}
    data["actions"][0].update(action_id=button["action_id"], value=button["value"])
    slack.interaction(data)
    view = slack.fake.wait_for("views.open")[0].params["view"]
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "My laptop will not start after the update"


def test_buttons_work_the_ticket_and_update_the_card_in_place(slack: SlackHarness) -> None:
    slack.slash("open VPN drops every hour")
    wait_until(lambda: len(slack.fake.channel_messages(TRIAGE)) == 1)
    card = slack.fake.channel_messages(TRIAGE)[0]
    ref = slack.desk.opened()[0].ref
    assert decode_action(_card_button(card, "Assign to me")["value"]) == ("ticket.assign", {"ref": ref, "who": "me"})
    _press(slack, card, "Assign to me")
    wait_until(lambda: slack.desk.tickets[ref].assignee == "alice")
    update = slack.fake.wait_for("chat.update")[0].params
    assert update["ts"] == card["ts"] and update["channel"] == TRIAGE
    assert any("alice" in f["text"] for b in update["blocks"] for f in b.get("fields", []))
    _press(slack, slack.fake.channel_messages(TRIAGE)[0], "Resolve")
    wait_until(lambda: slack.desk.tickets[ref].state == "resolved")
    slack.fake.wait_for("chat.update", 2)
    assert len(slack.fake.channel_messages(TRIAGE)) == 1  # still one card, edited in place


def test_classify_button_opens_the_classify_form(slack: SlackHarness) -> None:
    slack.slash("open Outlook slow")
    wait_until(lambda: len(slack.fake.channel_messages(TRIAGE)) == 1)
    _press(slack, slack.fake.channel_messages(TRIAGE)[0], "Classify")
    view = slack.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "deskops_classify"


def test_thread_replies_become_comments(slack: SlackHarness) -> None:
    slack.slash("open VPN drops every hour")
    wait_until(lambda: len(slack.fake.channel_messages(TRIAGE)) == 1)
    card = slack.fake.channel_messages(TRIAGE)[0]
    ref = slack.desk.opened()[0].ref
    reply = payload("event_thread_reply")
    reply["event"]["thread_ts"] = card["ts"]
    slack.event(reply)
    internal = payload("event_thread_reply")
    internal["event_id"] = "Ev0THREAD2"
    internal["event"].update(thread_ts=card["ts"], ts="1482960137.009999", text="internal: router log attached")
    slack.event(internal)
    wait_until(lambda: len(slack.desk.tickets[ref].comments) == 2)
    assert sorted(slack.desk.tickets[ref].comments) == [  # the two events are handled concurrently
        ("internal", "router log attached"),
        ("public", "Restarted the VPN concentrator, please try again"),
    ]
    assert slack.fake.wait_for("reactions.add", 2)[0].params["name"] == "speech_balloon"


def test_app_home_shows_my_tickets_queue_and_at_risk(slack: SlackHarness) -> None:
    slack.slash("open VPN drops every hour", user="U0ALICE")
    wait_until(lambda: len(slack.desk.opened()) == 1)
    slack.event(payload("event_app_home_opened"))
    publish = slack.fake.wait_for("views.publish")[0].params
    assert publish["user_id"] == "U0ALICE"
    text = json.dumps(publish["view"])
    for heading in ("My tickets", "My group's queue", "At risk"):
        assert heading in text
    assert "VPN drops every hour" in text
