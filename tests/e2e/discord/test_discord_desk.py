"""The Discord adapter in front of the real desk (CommandDispatcher, use cases, SQLite, config/desk.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deskops.bot.commands.dispatcher import CommandDispatcher, DeskContext
from deskops.bot.commands.model import Actor, Command
from deskops.bot.commands.registry import build_registry
from deskops.bot.config_loader import load_config
from deskops.core.clock import SystemClock
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.services.context import Desk
from tests.e2e.discord.harness import World, build_fake, run, running_bot

REPO = Path(__file__).resolve().parents[3]
PEOPLE = ("alice", "bob", "carol", "dave")


def real_dispatcher(db: Path) -> CommandDispatcher:
    """The real desk over SQLite with the example desk file."""
    engine = make_engine(f"sqlite:///{db}")
    ensure_schema(engine)
    config = load_config(REPO / "config" / "desk.yaml")
    context = DeskContext(config=config, clock=SystemClock(), registry=build_registry(),
                          uow_factory=lambda: SqlUnitOfWork(engine), desk=Desk.from_config(config))
    return CommandDispatcher(context)


def _show(desk: CommandDispatcher, ref: str, person: str = "alice") -> dict[str, Any]:
    reply = desk.dispatch(Command("ticket.show", Actor(person), {"ref": ref}))
    assert reply.ok, reply.text
    return dict(reply.data)


def _button(world: World, message_id: str, label: str) -> str:
    buttons = [b for row in world.fake.messages[message_id]["components"] for b in row["components"]]
    return next(b["custom_id"] for b in buttons if b["label"] == label)


def test_open_work_comment_and_resolve_a_ticket_from_discord(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    desk = real_dispatcher(db)
    state: dict[str, str] = {}

    async def scenario() -> None:
        async with running_bot(desk, db, fake=build_fake(PEOPLE)) as world:
            fake, users = world.fake, world.users
            [synced] = fake.find_calls("PUT", r"/commands$")
            top = {c["name"]: c for c in synced.body}
            assert {"ticket", "help", "Create ticket from message"} <= set(top)
            for name, command in top.items():  # Discord cannot run a group itself: no command is both
                subs = [o["name"] for o in command.get("options", []) if o["type"] in (1, 2)]
                assert len(subs) == len(set(subs)), name
            if "request" in top:  # `/request` (the catalog) beside `/request open`: it becomes `/request list`
                assert "list" in [o["name"] for o in top["request"]["options"]]
            options = [{"name": "title", "type": 3, "value": "VPN drops every hour"},
                       {"name": "urgency", "type": 3, "value": "high"},
                       {"name": "impact", "type": 3, "value": "medium"}]
            opened = await fake.slash_command(users["dave"], world.help_channel["id"], "ticket",
                                              [{"name": "open", "type": 1, "options": options}])
            await fake.wait_for_call("POST", rf"/interactions/{opened.id}/")
            thread = await fake.wait_for(lambda: next((c for c in fake.channels.values() if c["type"] == 11), None))
            ref = thread["name"].split(" ")[0]
            state["ref"] = ref
            await fake.wait_for_call("PATCH", r"/messages/@original$")  # the thread link is added to the answer
            answer = fake.messages[opened.original_message_id or ""]
            shown = answer["content"] + " ".join(f"{e.get('title')} {e.get('description')}" for e in answer["embeds"])
            assert ref in shown and f"<#{thread['id']}>" in shown, shown
            ticket = _show(desk, ref)["ticket"]
            assert (ticket["title"], ticket["requester"], ticket["priority"]) == ("VPN drops every hour", "dave", "P2")
            card_id = thread["id"]
            assert fake.messages[card_id]["embeds"][0]["title"].startswith(ref)

            # The requester cannot work the ticket from the card: the desk refuses, the card stays.
            refused = await fake.click(users["dave"], card_id, _button(world, card_id, "Assign to me"))
            call = await fake.wait_for_call("POST", rf"/interactions/{refused.id}/")
            assert call.body["type"] == 4 and call.body["data"]["flags"] & 64
            assert _show(desk, ref)["ticket"]["assignee"] is None

            pressed = await fake.click(users["alice"], card_id, _button(world, card_id, "Assign to me"))
            call = await fake.wait_for_call("POST", rf"/interactions/{pressed.id}/")
            assert call.body["type"] == 7, "the card is redrawn in place"
            assert _show(desk, ref)["ticket"]["assignee"] == "alice"
            fields = {f["name"]: f["value"] for f in fake.messages[card_id]["embeds"][0]["fields"]}
            assert any("Alice" in v for v in fields.values()), fields

            comment = await fake.post_message(users["alice"], thread["id"], "Restarted the VPN concentrator")
            await fake.wait_for(lambda: (comment["id"], "✅", fake.bot_user["id"]) in fake.reactions)
            note = await fake.post_message(users["alice"], thread["id"], "internal: concentrator firmware is old")
            await fake.wait_for(lambda: (note["id"], "✅", fake.bot_user["id"]) in fake.reactions)
            comments = _show(desk, ref, "dave").get("comments", [])
            assert [c["text"] for c in comments] == ["Restarted the VPN concentrator"], "dave does not see the note"
            notes = [c["text"] for c in _show(desk, ref, "alice").get("comments", [])]
            assert notes == ["Restarted the VPN concentrator", "concentrator firmware is old"]

            resolve = await fake.click(users["alice"], card_id, _button(world, card_id, "Resolve"))
            form = await fake.wait_for_call("POST", rf"/interactions/{resolve.id}/")
            assert form.body["type"] == 9, "Resolve needs a resolution code: a form asks for it"
            inputs = [row["components"][0]["custom_id"] for row in form.body["data"]["components"]]
            assert inputs == ["code"]
            submitted = await fake.submit_modal(users["alice"], thread["id"], form.body["data"]["custom_id"],
                                                {"code": "fixed"})
            await fake.wait_for_call("POST", rf"/interactions/{submitted.id}/")
            assert _show(desk, ref)["ticket"]["state"] == "resolved"
            await fake.wait_for(lambda: any(
                "resolved" in f["value"].lower() for f in fake.messages[card_id]["embeds"][0]["fields"]))
            public = [m for m in fake.channel_messages(world.triage_channel["id"]) if not m["flags"] & 64]
            assert [m["id"] for m in public] == [card_id], "one card, redrawn in place"

    run(scenario)
    assert state["ref"]
