"""HTTP mode platform rules: signatures, ack-first, redeliveries, rate limits, health endpoint."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

from tests.e2e.slack.harness import TRIAGE, RecordingDesk, SlackHarness, payload, wait_until


def test_signed_slash_command_opens_a_ticket_and_posts_its_card(slack: SlackHarness) -> None:
    status, _, _ = slack.slash("open VPN drops every hour")
    assert status == 200
    wait_until(lambda: len(slack.desk.opened()) == 1)
    ticket = slack.desk.opened()[0]
    assert ticket.title == "VPN drops every hour"
    assert ticket.requester == "dave"  # mapped through users.info email, not a Slack id
    answer = slack.fake.wait_for("response_url")[0]
    assert ticket.ref in answer.params["text"]
    assert answer.params["response_type"] == "ephemeral"
    wait_until(lambda: len(slack.fake.channel_messages(TRIAGE)) == 1)
    card = slack.fake.channel_messages(TRIAGE)[0]
    assert ticket.ref in card["text"]
    buttons = [e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["type"] == "button"]
    assert {"Assign to me", "Start work", "Classify", "Escalate", "Resolve"} <= set(buttons)


def test_forged_signature_is_refused_and_changes_nothing(slack: SlackHarness) -> None:
    status, _, _ = slack.slash("open forged", secret="not-the-secret")
    assert status == 401
    time.sleep(0.3)
    assert slack.desk.commands == []
    assert [c for c in slack.fake.calls if c.method != "auth.test"] == []


def test_stale_signature_is_refused(slack: SlackHarness) -> None:
    status, _, _ = slack.slash("open replayed", timestamp=int(time.time()) - 10 * 60)
    assert status == 401
    time.sleep(0.3)
    assert slack.desk.commands == []


def test_same_event_delivered_four_times_opens_one_ticket(slack: SlackHarness) -> None:
    slack.fake.add_message("C0GENERAL", "Payroll export fails with error 500", "U0ERIN")
    message_ts = slack.fake.channel_messages("C0GENERAL")[0]["ts"]
    event = payload("event_reaction_added")
    event["event"]["item"]["ts"] = message_ts
    statuses = [slack.event(event)[0]] + [slack.event(event, retry_num=n)[0] for n in (1, 2, 3)]
    assert statuses == [200, 200, 200, 200]
    wait_until(lambda: len(slack.fake.channel_messages(TRIAGE)) >= 1)
    time.sleep(0.5)
    assert len(slack.desk.opened()) == 1
    assert slack.desk.opened()[0].title == "Payroll export fails with error 500"
    assert len(slack.fake.channel_messages(TRIAGE)) == 1


def test_retry_whose_first_delivery_never_arrived_is_processed(slack: SlackHarness) -> None:
    slack.fake.add_message("C0GENERAL", "Printer jammed", "U0ERIN")
    event = payload("event_reaction_added")
    event["event_id"] = "Ev0LOSTFIRST"
    event["event"]["item"]["ts"] = slack.fake.channel_messages("C0GENERAL")[0]["ts"]
    assert slack.event(event, retry_num=2)[0] == 200
    wait_until(lambda: len(slack.desk.opened()) == 1)


def test_rate_limited_post_waits_for_retry_after_and_posts_once(slack: SlackHarness) -> None:
    slack.fake.rate_limit("chat.postMessage", retry_after=1)
    assert slack.event(payload("event_message_im"))[0] == 200
    calls = slack.fake.wait_for("chat.postMessage", 2, timeout=10)
    assert len(calls) == 2
    assert calls[1].at - calls[0].at >= 1.0  # waited Retry-After before the second attempt
    time.sleep(0.3)
    assert len(slack.fake.channel_messages("D0DAVE")) == 1  # the message exists once, not twice


def test_ack_is_sent_before_slow_work(tmp_path: Path) -> None:
    harness = SlackHarness(tmp_path, RecordingDesk(delay=2.0))
    try:
        status, _, seconds = harness.slash("open slow desk")
        assert status == 200
        assert seconds < 1.0, f"ack took {seconds:.2f}s"
        assert harness.desk.opened() == []  # the work was still running when Slack got its 200
        harness.fake.wait_for("response_url", timeout=10)
        assert len(harness.desk.opened()) == 1
    finally:
        harness.close()


def test_health_endpoint(slack: SlackHarness) -> None:
    with urllib.request.urlopen(slack.server.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert b'"status":"ok"' in response.read()


def test_slack_user_not_in_the_desk_file_files_tickets_as_a_requester(slack: SlackHarness) -> None:
    slack.slash("open my monitor flickers", user="U0STRANGER")
    wait_until(lambda: len(slack.desk.opened()) == 1)
    assert slack.desk.opened()[0].requester == "slack:U0STRANGER"
