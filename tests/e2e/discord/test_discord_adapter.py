"""The Discord adapter through the real discord.py Client against the fake Discord (tiny in-memory desk)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.discord.harness import World, build_fake, run, running_bot
from tests.e2e.discord.tiny_desk import TinyDesk

EPHEMERAL = 64


def _ticket_open_options(title: str, **extra: str) -> list[dict[str, object]]:
    options: list[dict[str, object]] = [{"name": "title", "type": 3, "value": title}]
    options += [{"name": k, "type": 3, "value": v} for k, v in extra.items()]
    return [{"name": "open", "type": 1, "options": options}]


def _threads(world: World) -> list[dict[str, object]]:
    return [c for c in world.fake.channels.values() if c.get("type") == 11]


async def _open_ticket(world: World, user: str = "nelly", title: str = "VPN drops every hour") -> None:
    """Open a ticket by slash command; return once its thread and card exist (made after the answer)."""
    before = len(_threads(world))
    interaction = await world.fake.slash_command(world.users[user], world.help_channel["id"], "ticket",
                                                 _ticket_open_options(title))
    await world.fake.wait_for_call("POST", rf"/interactions/{interaction.id}/")
    await world.fake.wait_for(lambda: len(_threads(world)) > before)


def test_slash_command_opens_a_ticket_with_its_own_thread_and_card(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            interaction = await world.fake.slash_command(world.users["nelly"], world.help_channel["id"], "ticket",
                                                         _ticket_open_options("VPN drops every hour", urgency="high"))
            call = await world.fake.wait_for_call("POST", rf"/interactions/{interaction.id}/")
            assert call.body["type"] == 4, "answered directly: the tiny desk is fast"
            assert call.body["data"]["flags"] & EPHEMERAL
            assert "INC-1 opened" in call.body["data"]["content"], "answered before the thread is made"
            await world.fake.wait_for_call("PATCH", r"/messages/@original$")
            thread_id = next(c["id"] for c in world.fake.channels.values() if c.get("type") == 11)
            answer = world.fake.messages[interaction.original_message_id or ""]
            assert f"<#{thread_id}>" in answer["content"], "then the answer links the ticket's thread"
            thread = world.fake.channels[thread_id]
            assert thread["parent_id"] == world.triage_channel["id"] and thread["name"].startswith("INC-1 ")
            assert thread["thread_metadata"]["auto_archive_duration"] == 10080
            card = world.fake.messages[thread_id]  # a text-channel thread starts at its card message
            assert card["embeds"][0]["title"] == "INC-1 · VPN drops every hour"
            labels = [b["label"] for row in card["components"] for b in row["components"]]
            assert labels == ["Assign to me", "Resolve"]

    run(scenario)
    assert [t.title for t in desk.tickets.values()] == ["VPN drops every hour"]
    assert desk.tickets["INC-1"].requester == "nelly"


def test_a_slow_command_is_deferred_within_three_seconds_and_finished_by_a_follow_up(tmp_path: Path) -> None:
    desk = TinyDesk(slow_seconds=2.5)

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            interaction = await world.fake.slash_command(world.users["nelly"], world.help_channel["id"], "ticket",
                                                         [{"name": "slow", "type": 1}])
            callback = await world.fake.wait_for_call("POST", rf"/interactions/{interaction.id}/")
            assert callback.body["type"] == 5, "deferred (thinking) because the desk was slow"
            assert callback.at - interaction.sent_at < 3.0
            followup = await world.fake.wait_for_call("POST", rf"/webhooks/{world.fake.application_id}/")
            assert followup.body["content"] == "Slow work finished."
            original = world.fake.messages[interaction.original_message_id or ""]
            assert original["content"] == "Slow work finished.", "the follow-up replaced the thinking message"
            assert not original["flags"] & 128

    run(scenario)


def test_a_double_click_on_a_button_runs_its_action_once(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            await _open_ticket(world)
            card_id = next(c["id"] for c in world.fake.channels.values() if c.get("type") == 11)
            custom_id = world.fake.messages[card_id]["components"][0]["components"][0]["custom_id"]
            first = await world.fake.click(world.users["alice"], card_id, custom_id)
            second = await world.fake.click(world.users["alice"], card_id, custom_id)
            calls = [await world.fake.wait_for_call("POST", rf"/interactions/{i.id}/") for i in (first, second)]
            # Either click may win the claim; the winner updates the card, the other is told it was done.
            kinds = sorted(c.body["type"] for c in calls)
            assert kinds == [4, 7], kinds
            repeat = next(c for c in calls if c.body["type"] == 4)
            assert repeat.body["data"]["flags"] & EPHEMERAL
            assert "already" in repeat.body["data"]["content"].lower()
            await world.fake.wait_for_call("POST", rf"/webhooks/{world.fake.application_id}/")

    run(scenario)
    assert desk.count("ticket.assign") == 1
    assert desk.tickets["INC-1"].assignee == "alice"


def test_a_button_updates_the_ticket_card_in_place(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            await _open_ticket(world)
            card_id = next(c["id"] for c in world.fake.channels.values() if c.get("type") == 11)
            before = world.fake.messages[card_id]["components"][0]["components"][1]["custom_id"]
            press = await world.fake.click(world.users["alice"], card_id, before)  # Resolve
            callback = await world.fake.wait_for_call("POST", rf"/interactions/{press.id}/")
            assert callback.body["type"] == 7, "UPDATE_MESSAGE: the card itself changes"
            card = world.fake.messages[card_id]
            fields = {f["name"]: f["value"] for f in card["embeds"][0]["fields"]}
            assert fields["State"] == "resolved"
            buttons = [b for row in card["components"] for b in row["components"]]
            # A resolved card offers Reopen at most (this tiny desk has no reopen command): no working buttons.
            assert {b["label"] for b in buttons} <= {"Reopen"}, "a resolved ticket's card offers only Reopen"
            assert before not in [b["custom_id"] for b in buttons], "fresh buttons (a later press is a new press)"
            public = [m for m in world.fake.channel_messages(world.triage_channel["id"]) if not m["flags"] & EPHEMERAL]
            assert [m["id"] for m in public] == [card_id], "no second card"

    run(scenario)


def test_a_button_pressed_after_a_restart_still_works(tmp_path: Path) -> None:
    desk = TinyDesk()
    fake = build_fake()

    async def scenario() -> None:
        await fake.start()
        try:
            async with running_bot(desk, tmp_path / "d.db", fake=fake) as world:
                await _open_ticket(world)
            card_id = next(c["id"] for c in fake.channels.values() if c.get("type") == 11)
            custom_id = fake.messages[card_id]["components"][0]["components"][0]["custom_id"]
            async with running_bot(desk, tmp_path / "d.db", fake=fake) as world:  # a new process, same database
                press = await fake.click(world.users["bob"], card_id, custom_id)
                callback = await fake.wait_for_call("POST", rf"/interactions/{press.id}/")
                assert callback.body["type"] == 7
        finally:
            await fake.stop()

    run(scenario)
    assert desk.tickets["INC-1"].assignee == "bob"


def test_a_rate_limited_request_is_retried_after_the_wait(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            world.fake.rate_limit("POST", rf"^/channels/{world.triage_channel['id']}/messages$", retry_after=0.4)
            await _open_ticket(world)
            limited = world.fake.find_calls("POST", r"/messages$", status_below=600)
            statuses = [c.status for c in limited if world.triage_channel["id"] in c.path]
            assert statuses == [429, 200], "one 429, then the same post once after the wait"
            waited = limited[1].at - limited[0].at
            assert waited >= 0.4, f"retried after {waited:.2f}s, before retry_after"

    run(scenario)


def test_the_modal_form_opens_one_ticket_even_when_submitted_twice(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            ask = await world.fake.slash_command(world.users["nelly"], world.help_channel["id"], "ticket",
                                                 [{"name": "open", "type": 1, "options": []}])
            modal = await world.fake.wait_for_call("POST", rf"/interactions/{ask.id}/")
            assert modal.body["type"] == 9
            form_id = modal.body["data"]["custom_id"]
            inputs = [c["components"][0]["custom_id"] for c in modal.body["data"]["components"]]
            assert inputs == ["title", "description", "urgency", "impact"]
            values = {"title": "Printer jams", "description": "3rd floor", "urgency": "High", "impact": ""}
            first = await world.fake.submit_modal(world.users["nelly"], world.help_channel["id"], form_id, values)
            second = await world.fake.submit_modal(world.users["nelly"], world.help_channel["id"], form_id, values)
            await world.fake.wait_for_call("POST", rf"/interactions/{first.id}/")
            await world.fake.wait_for_call("POST", rf"/interactions/{second.id}/")

    run(scenario)
    assert [t.title for t in desk.tickets.values()] == ["Printer jams"]
    opened = [c for c in desk.commands if c.name == "ticket.open"]
    assert opened[0].args == {"title": "Printer jams", "description": "3rd floor", "urgency": "high"}


def test_autocomplete_offers_ticket_numbers_and_desk_values(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            await _open_ticket(world, title="VPN drops")
            await _open_ticket(world, title="Printer jams")
            focused_ref = {"name": "ref", "type": 3, "value": "print", "focused": True}
            refs = await world.fake.autocomplete(world.users["alice"], world.help_channel["id"], "ticket",
                                                 [{"name": "show", "type": 1, "options": [focused_ref]}])
            call = await world.fake.wait_for_call("POST", rf"/interactions/{refs.id}/")
            assert call.body == {"type": 8, "data": {"choices": [{"name": "INC-2 Printer jams", "value": "INC-2"}]}}
            typed = [{"name": "title", "type": 3, "value": "x"},
                     {"name": "group", "type": 3, "value": "net", "focused": True}]
            groups = await world.fake.autocomplete(world.users["alice"], world.help_channel["id"], "ticket",
                                                   [{"name": "open", "type": 1, "options": typed}])
            call = await world.fake.wait_for_call("POST", rf"/interactions/{groups.id}/")
            assert call.body["data"]["choices"] == [{"name": "network", "value": "network"}]

    run(scenario)


def test_the_synced_commands_have_typed_options_choices_and_autocomplete(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            put = world.fake.find_calls("PUT", r"/commands$")
            assert len(put) == 1
            by_name = {c["name"]: c for c in put[0].body}
            assert set(by_name) == {"ticket", "Create ticket from message"}
            assert by_name["Create ticket from message"]["type"] == 3
            subs = {s["name"]: s for s in by_name["ticket"]["options"]}
            assert {"open", "show", "list", "comment", "assign", "resolve"} <= set(subs)
            opts = {o["name"]: o for o in subs["open"]["options"]}
            assert opts["title"]["type"] == 3 and opts["title"]["max_length"] == 200
            assert not opts["title"]["required"], "without a title, /ticket open shows the form"
            assert [c["value"] for c in opts["urgency"]["choices"]] == ["low", "medium", "high"]
            assert opts["group"]["autocomplete"] is True
            show = {o["name"]: o for o in subs["show"]["options"]}
            assert show["ref"]["required"] and show["ref"]["autocomplete"]

    run(scenario)


def test_the_message_menu_opens_a_form_prefilled_with_the_message(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            message = await world.fake.post_message(world.users["nelly"], world.help_channel["id"],
                                                    "Outlook crashes on start\nsince the update")
            resolved = {"messages": {message["id"]: message}}
            ask = await world.fake.slash_command(world.users["alice"], world.help_channel["id"],
                                                 "Create ticket from message", [], command_type=3,
                                                 target_id=message["id"], resolved=resolved)
            modal = await world.fake.wait_for_call("POST", rf"/interactions/{ask.id}/")
            assert modal.body["type"] == 9
            fields = {c["components"][0]["custom_id"]: c["components"][0].get("value")
                      for c in modal.body["data"]["components"]}
            assert fields["title"] == "Outlook crashes on start"
            assert f"/channels/{world.fake.guild['id']}/{world.help_channel['id']}/{message['id']}" in fields[
                "description"]

    run(scenario)


def test_the_intake_reaction_opens_one_ticket_per_message(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            message = await world.fake.post_message(world.users["nelly"], world.help_channel["id"],
                                                    "The wifi in room 4 is down")
            await world.fake.react(world.users["nelly"], message["id"], "🎫")
            await world.fake.react(world.users["alice"], message["id"], "🎫")
            await world.fake.react(world.users["alice"], message["id"], "👍")
            reply = await world.fake.wait_for(lambda: next(
                (m for m in world.fake.messages.values() if m.get("message_reference")), None))
            assert "INC-1 opened" in reply["content"]
            await asyncio.sleep(0.3)

    run(scenario)
    assert [t.title for t in desk.tickets.values()] == ["The wifi in room 4 is down"]


def test_a_direct_message_opens_a_ticket_and_thread_messages_become_comments(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            fake = world.fake
            dm = {"id": fake.snowflake(), "type": 1, "last_message_id": None, "flags": 0,
                  "recipients": [world.users["nelly"]]}
            fake.channels[dm["id"]] = dm
            await fake.post_message(world.users["nelly"], dm["id"], "My laptop does not boot")
            answer = await fake.wait_for(lambda: next(
                (m for m in fake.channel_messages(dm["id"]) if m["author"].get("bot")), None))
            assert "INC-1 opened" in answer["content"]
            thread_id = next(c["id"] for c in fake.channels.values() if c.get("type") == 11)
            comment = await fake.post_message(world.users["alice"], thread_id, "Bring it to the IT desk at 2pm")
            await fake.wait_for(lambda: (comment["id"], "✅", fake.bot_user["id"]) in fake.reactions)

    run(scenario)
    assert desk.tickets["INC-1"].comments == ["Bring it to the IT desk at 2pm"]


def test_in_a_forum_channel_each_ticket_is_a_post_whose_first_message_is_the_card(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db", forum=True) as world:
            await _open_ticket(world)
            created = await world.fake.wait_for_call("POST", rf"^/channels/{world.triage_channel['id']}/threads$")
            assert created.body["name"].startswith("INC-1 ")
            assert created.body["message"]["embeds"][0]["title"] == "INC-1 · VPN drops every hour"
            post = next(c for c in world.fake.channels.values() if c.get("type") == 11)
            [card] = world.fake.channel_messages(post["id"])
            assign = card["components"][0]["components"][0]["custom_id"]
            press = await world.fake.click(world.users["alice"], card["id"], assign)
            callback = await world.fake.wait_for_call("POST", rf"/interactions/{press.id}/")
            assert callback.body["type"] == 7

    run(scenario)
    assert desk.tickets["INC-1"].assignee == "alice"


def test_when_the_desk_is_busy_new_interactions_are_deferred_at_once(tmp_path: Path) -> None:
    desk = TinyDesk(slow_seconds=1.2)

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            sent = [await world.fake.slash_command(world.users["nelly"], world.help_channel["id"], "ticket",
                                                   [{"name": "slow", "type": 1}]) for _ in range(4)]
            calls = [await world.fake.wait_for_call("POST", rf"/interactions/{i.id}/") for i in sent]
            # The desk runs one at a time; those that arrived with two already in hand were deferred at once
            # (the first may finish in time or be deferred after 1.5 s, depending on the machine).
            waits = sorted(c.at - i.sent_at for c, i in zip(calls, sent, strict=True) if c.body["type"] == 5)
            assert len(waits) >= 2 and waits[1] < 1.0, f"deferred after {waits}"
            await world.fake.wait_for_call("POST", rf"/webhooks/{world.fake.application_id}/", count=len(waits),
                                           timeout=15)

    run(scenario)
    assert desk.count("ticket.slow") == 4


def test_slash_commands_work_in_a_direct_message_with_the_bot(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            fake = world.fake
            dm = {"id": fake.snowflake(), "type": 1, "last_message_id": None, "flags": 0,
                  "recipients": [world.users["nelly"]]}
            fake.channels[dm["id"]] = dm
            interaction = await fake.slash_command(world.users["nelly"], dm["id"], "ticket",
                                                   _ticket_open_options("Printer in DM"))
            payload = interaction.payload  # a DM interaction carries `user`, not `member` (Discord's shape)
            assert "member" not in payload and payload["user"]["id"] == world.users["nelly"]["id"]
            call = await fake.wait_for_call("POST", rf"/interactions/{interaction.id}/")
            assert "INC-1 opened" in call.body["data"]["content"]

    run(scenario)
    opened = [c for c in desk.commands if c.name == "ticket.open"]
    assert opened[0].actor.person == "nelly" and opened[0].origin.channel is not None
