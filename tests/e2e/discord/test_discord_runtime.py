"""`deskops run` with DISCORD_TOKEN: the runtime starts the Discord bot (launch.start) on the real desk."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from deskops.bot.adapters.discord.endpoints import apply_endpoints, current_endpoints
from deskops.bot.commands.model import Actor, Command
from deskops.bot.runtime import Runtime, Settings
from tests.e2e.discord.harness import build_fake, run

REPO = Path(__file__).resolve().parents[3]


def _desk_file(tmp_path: Path, discord_ids: dict[str, str]) -> Path:
    """The example desk file with Discord ids for some people (as an admin would add them)."""
    data: dict[str, Any] = yaml.safe_load((REPO / "config" / "desk.yaml").read_text(encoding="utf-8"))
    for person, discord_id in discord_ids.items():
        data["people"][person]["discord"] = discord_id
    path = tmp_path / "desk.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _environ(fake: Any, tmp_path: Path, token: str) -> dict[str, str]:
    tickets = next(c["id"] for c in fake.channels.values() if c.get("name") == "tickets")
    return {"DISCORD_TOKEN": token, "DESKOPS_DISCORD_API_BASE": fake.api_base,
            "DESKOPS_DISCORD_GATEWAY_URL": fake.gateway_url, "DISCORD_TICKET_CHANNEL": tickets,
            "DESKOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}"}


def test_the_runtime_starts_discord_for_listed_and_unlisted_users(tmp_path: Path) -> None:
    fake = build_fake(("dave", "nelly"))

    async def scenario() -> None:
        await fake.start()
        previous = current_endpoints()  # launch.start points this process at the fake; put it back after
        try:
            environ = _environ(fake, tmp_path, fake.token)
            dave = next(u for u in fake.users.values() if u["username"] == "dave")
            config = _desk_file(tmp_path, {"dave": dave["id"]})
            runtime = Runtime.build(Settings.from_env(environ, config_path=config))
            try:
                assert await asyncio.to_thread(runtime.start_platforms) == ["discord"]
                help_id = next(c["id"] for c in fake.channels.values() if c.get("name") == "help")
                options = [{"name": "title", "type": 3, "value": "Monitor flickers"}]
                nelly = next(u for u in fake.users.values() if u["username"] == "nelly")
                stranger = await fake.slash_command(nelly, help_id, "ticket",
                                                    [{"name": "open", "type": 1, "options": options}])
                await fake.wait_for_call("POST", rf"/interactions/{stranger.id}/")
                # Anyone may ask for help: an unlisted user becomes requester `discord:<id>`, but cannot work tickets.
                ref = await fake.wait_for(lambda: next((c["name"].split(" ")[0] for c in fake.channels.values()
                                                        if c["type"] == 11), None))
                shown = runtime.dispatcher.dispatch(Command("ticket.show", Actor("alice"), {"ref": ref}))
                assert shown.data["ticket"]["requester"] == f"discord:{nelly['id']}"
                work = [{"name": "assign", "type": 1, "options": [{"name": "ref", "type": 3, "value": ref},
                                                                   {"name": "who", "type": 3, "value": "me"}]}]
                refused = await fake.slash_command(nelly, help_id, "ticket", work)
                refusal = await fake.wait_for_call("POST", rf"/interactions/{refused.id}/")
                assert refusal.body["data"]["flags"] & 64 and refusal.body["data"]["content"].startswith("⚠️")
                opened = await fake.slash_command(dave, help_id, "ticket",
                                                  [{"name": "open", "type": 1, "options": options}])
                await fake.wait_for_call("POST", rf"/interactions/{opened.id}/")
                await fake.wait_for(lambda: sum(c["type"] == 11 for c in fake.channels.values()) == 2)
                assert "discord.purge" in [job.name for job in runtime.jobs.jobs()]
            finally:
                await asyncio.to_thread(runtime.stop)
        finally:
            await fake.stop()
            apply_endpoints(previous)

    run(scenario)


def test_a_refused_token_stops_start_up_with_what_to_do(tmp_path: Path) -> None:
    fake = build_fake(("dave",))

    async def scenario() -> None:
        await fake.start()
        previous = current_endpoints()
        try:
            runtime = Runtime.build(Settings.from_env(_environ(fake, tmp_path, "wrong-token"),
                                                      config_path=REPO / "config" / "desk.yaml"))
            try:
                with pytest.raises(RuntimeError, match="token was refused"):
                    await asyncio.to_thread(runtime.start_platforms)
            finally:
                await asyncio.to_thread(runtime.stop)
        finally:
            await fake.stop()
            apply_endpoints(previous)

    run(scenario)


def test_open_page_acknowledge_and_resolve_through_discord(tmp_path: Path) -> None:
    """The shared scenario: a P1 opened in Discord pages the on-call by DM; Acknowledge there; resolve."""
    people = ("alice", "bob", "carol", "dave", "erin")
    fake = build_fake(people)

    async def scenario() -> None:
        await fake.start()
        previous = current_endpoints()
        users = {u["username"]: u for u in fake.users.values() if not u.get("bot")}
        config = _desk_file(tmp_path, {name: users[name]["id"] for name in people})
        runtime = Runtime.build(Settings.from_env(_environ(fake, tmp_path, fake.token), config_path=config))
        if runtime.dispatcher.registry.get("page.ack") is None:
            runtime.stop()
            await fake.stop()
            apply_endpoints(previous)
            pytest.skip("the escalation area's page.ack command is not registered in this tree yet")
        try:
            await asyncio.to_thread(runtime.start_platforms)
            help_id = next(c["id"] for c in fake.channels.values() if c.get("name") == "help")
            options = [{"name": "title", "type": 3, "value": "Site offline"},
                       {"name": "urgency", "type": 3, "value": "high"}, {"name": "impact", "type": 3, "value": "high"}]
            opened = await fake.slash_command(users["dave"], help_id, "ticket",
                                              [{"name": "open", "type": 1, "options": options}])
            await fake.wait_for_call("POST", rf"/interactions/{opened.id}/")
            thread = await fake.wait_for(lambda: next((c for c in fake.channels.values() if c["type"] == 11), None))
            ref = thread["name"].split(" ")[0]
            await asyncio.to_thread(runtime.tick)  # the escalation sweep pages the on-call person
            await asyncio.to_thread(runtime.deliver_now)

            def page() -> dict[str, Any] | None:
                for message in fake.messages.values():
                    labels = [b.get("label") for row in message.get("components") or [] for b in row["components"]]
                    if fake.channels.get(message["channel_id"], {}).get("type") == 1 and "Acknowledge" in labels:
                        return message
                return None

            paged = await fake.wait_for(page)
            on_call = fake.channels[paged["channel_id"]]["recipients"][0]
            ack = next(b["custom_id"] for row in paged["components"] for b in row["components"]
                       if b["label"] == "Acknowledge")
            press = await fake.click(on_call, paged["id"], ack)
            callback = await fake.wait_for_call("POST", rf"/interactions/{press.id}/")
            assert callback.body["type"] == 7, "the page DM is updated in place"
            [embed] = callback.body["data"]["embeds"]
            assert embed["title"] == "Acknowledged" and "paging stopped" in embed["description"]
            status = runtime.dispatcher.dispatch(Command("ticket.escalation", Actor("alice"), {"ref": ref}))
            assert status.ok and on_call["global_name"].split()[0] in str(status.to_json()), status.to_json()

            resolve = next(b["custom_id"] for row in fake.messages[thread["id"]]["components"]
                           for b in row["components"] if b["label"] == "Resolve")
            asked = await fake.click(on_call, thread["id"], resolve)
            form = await fake.wait_for_call("POST", rf"/interactions/{asked.id}/")
            done = await fake.submit_modal(on_call, thread["id"], form.body["data"]["custom_id"], {"code": "fixed"})
            await fake.wait_for_call("POST", rf"/interactions/{done.id}/")
            shown = runtime.dispatcher.dispatch(Command("ticket.show", Actor("alice"), {"ref": ref}))
            assert shown.data["ticket"]["state"] == "resolved"
        finally:
            await asyncio.to_thread(runtime.stop)
            await fake.stop()
            apply_endpoints(previous)

    run(scenario)
