"""Platform rules around the adapter: damaged buttons, gateway reconnects, settings and custom-id checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskops.bot.adapters.discord import custom_ids
from deskops.bot.adapters.discord.oncall_role import OnCallRole, on_call_now
from deskops.bot.adapters.discord.render import DESCRIPTION_LIMIT, render
from deskops.bot.adapters.discord.settings import DiscordSettings
from deskops.bot.adapters.discord.slash import discord_words
from deskops.bot.commands.model import Action, Field, Reply
from deskops.bot.config_loader import load_config
from tests.e2e.discord.harness import build_fake, run, running_bot
from tests.e2e.discord.tiny_desk import TinyDesk


def test_a_damaged_button_is_answered_and_changes_nothing(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            fake = world.fake
            damaged = 'dk:abc123:ticket.resolve:{"ref": INC-1}'  # matches the pattern, but is not JSON
            message = fake._new_message(world.help_channel["id"], fake.bot_user, {
                "content": "old card", "components": [{"type": 1, "components": [
                    {"type": 2, "style": 1, "label": "Resolve", "custom_id": damaged}]}]})
            press = await fake.click(world.users["alice"], message["id"], damaged)
            call = await fake.wait_for_call("POST", rf"/interactions/{press.id}/")
            assert call.body["data"]["flags"] & 64 and "damaged" in call.body["data"]["content"]

    run(scenario)
    assert desk.commands == []


def test_after_a_gateway_drop_the_bot_resumes_and_keeps_answering(tmp_path: Path) -> None:
    desk = TinyDesk()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            fake = world.fake
            await fake.drop_gateways(code=1001)  # Discord going away: discord.py must RESUME
            await fake.wait_for(lambda: len(fake._gateways) == 1, timeout=20)
            options = [{"name": "open", "type": 1, "options": [{"name": "title", "type": 3, "value": "After"}]}]
            interaction = await fake.slash_command(world.users["nelly"], world.help_channel["id"], "ticket", options)
            call = await fake.wait_for_call("POST", rf"/interactions/{interaction.id}/")
            assert "INC-1 opened" in call.body["data"]["content"]

    run(scenario)


def test_settings_name_the_variable_that_is_wrong() -> None:
    assert DiscordSettings.from_env({}) is None
    with pytest.raises(ValueError, match="DISCORD_TICKET_CHANNELS entry 'network'"):
        DiscordSettings.from_env({"DISCORD_TOKEN": "t", "DISCORD_TICKET_CHANNELS": "network"})
    with pytest.raises(ValueError, match="DISCORD_GUILD_ID: '#general' is not a Discord id"):
        DiscordSettings.from_env({"DISCORD_TOKEN": "t", "DISCORD_GUILD_ID": "#general"})
    settings = DiscordSettings.from_env({"DISCORD_TOKEN": " t ", "DISCORD_TICKET_CHANNELS":
                                         "network=123456789012345678", "DISCORD_TICKET_CHANNEL": "223456789012345678"})
    assert settings is not None and settings.token == "t"
    assert settings.ticket_channel("network") == 123456789012345678
    assert settings.ticket_channel("workplace") == 223456789012345678


def test_custom_ids_refuse_what_does_not_fit_or_is_not_ours() -> None:
    with pytest.raises(custom_ids.CustomIdError, match="Discord allows 100"):
        custom_ids.encode("ticket.comment", {"ref": "INC-1", "text": "x" * 100})
    with pytest.raises(custom_ids.CustomIdError, match="must be text, a number or a flag"):
        custom_ids.encode("ticket.show", {"ref": ["INC-1"]})
    for forged in ("hello", 'dk:ABCDEF:ticket.show:{"ref":"INC-1"}', 'dk:abcdef:Ticket.show:{}',
                   'dk:abcdef:ticket.show:["INC-1"]', 'dk:abcdef:ticket.show:{"ref":{"a":1}}'):
        with pytest.raises(custom_ids.CustomIdError):
            custom_ids.decode(forged)


@given(st.dictionaries(st.text(min_size=1, max_size=8),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)), max_size=3))
def test_an_action_that_fits_comes_back_as_it_went(args: dict[str, object]) -> None:
    try:
        custom_id = custom_ids.encode("ticket.assign", args)
    except custom_ids.CustomIdError:
        return  # too long for Discord: refused when rendering, never sent
    assert len(custom_id) <= 100
    assert custom_ids.decode(custom_id).args == args


def test_rendering_keeps_within_discord_limits() -> None:
    reply = Reply(text="x" * 10_000, title="t" * 300, fields=tuple(Field(str(i), "v" * 2000) for i in range(30)),
                  actions=tuple(Action(f"Button {i}", "ticket.show", {"ref": f"INC-{i}"}) for i in range(30)))

    async def scenario() -> None:  # discord.ui.View needs a running loop
        rendered = render(reply)
        assert rendered.embed is not None
        data = rendered.embed.to_dict()
        assert len(data["title"]) == 256 and len(data["description"]) == DESCRIPTION_LIMIT
        assert len(data["fields"]) == 25 and all(len(f["value"]) <= 1024 for f in data["fields"])
        assert rendered.view is not None and len(rendered.view.children) == 25
        assert len({b.custom_id for b in rendered.view.children}) == 25  # type: ignore[attr-defined]

    run(scenario)


def test_the_on_call_role_follows_who_is_on_call_also_after_a_restart(tmp_path: Path) -> None:
    desk = TinyDesk()
    fake = build_fake()
    role = fake.add_role("On call")
    ids = {u["username"]: u["id"] for u in fake.users.values()}

    async def scenario() -> None:
        await fake.start()
        try:
            async with running_bot(desk, tmp_path / "d.db", fake=fake) as world:
                sync = OnCallRole(world.bot, int(role["id"]), ["alice", "bob", "nelly"])
                assert await sync.sync({"alice"}) == ({int(ids["alice"])}, set())
                assert await sync.sync({"bob"}) == ({int(ids["bob"])}, {int(ids["alice"])})
                assert await sync.sync({"bob"}) == (set(), set()), "nothing to change, nothing sent"
            assert fake.member_roles == {ids["alice"]: set(), ids["bob"]: {role["id"]}}
            async with running_bot(desk, tmp_path / "d.db", fake=fake) as world:  # restarted: finds bob's role
                sync = OnCallRole(world.bot, int(role["id"]), ["alice", "bob", "nelly"])
                assert await sync.sync({"nelly"}) == ({int(ids["nelly"])}, {int(ids["bob"])})
            assert fake.member_roles[ids["nelly"]] == {role["id"]} and not fake.member_roles[ids["bob"]]
        finally:
            await fake.stop()

    run(scenario)


def test_an_unknown_on_call_schedule_is_named() -> None:
    config = load_config(Path(__file__).resolve().parents[3] / "config" / "desk.yaml")
    with pytest.raises(ValueError, match="unknown schedules \\['night-shift'\\]"):
        on_call_now(config, datetime(2026, 12, 3, 12, tzinfo=UTC), ["night-shift"])
    people = on_call_now(config, datetime(2026, 12, 25, 12, tzinfo=UTC), ["network-oncall"])
    assert people == {"carol"}, "the holiday override in the example desk file"


def test_a_command_that_is_also_a_group_gets_a_sub_command_name() -> None:
    words = [("request",), ("request", "open"), ("ticket", "open"), ("help",)]
    assert discord_words(("request",), words) == ("request", "list")
    assert discord_words(("request",), [*words, ("request", "list")]) == ("request", "overview")
    assert discord_words(("help",), words) == ("help",)
    assert discord_words(("ticket", "open"), words) == ("ticket", "open")
