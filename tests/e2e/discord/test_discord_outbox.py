"""Outbox delivery to Discord: pages by DM with buttons, group posts into the ticket thread, failures kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from deskops.bot.adapters.discord.deliverer import DiscordDeliverer
from deskops.bot.notify import OutboxDelivery, RetryPolicy
from deskops.bot.notify.model import Notification
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.tables import OutboxRow
from tests.e2e.discord.harness import World, build_fake, run, running_bot
from tests.e2e.discord.tiny_desk import TinyDesk

NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def _page(key: str, recipient: str, ref: str = "INC-1") -> OutboxRow:
    payload = {"ticket": ref, "title": "VPN down", "priority": "P1", "step": "1", "text": f"Page: {ref} VPN down",
               "actions": [{"label": "Acknowledge", "command": "ticket.assign", "args": {"ref": ref, "who": "me"},
                            "style": "primary"},
                           {"label": "Escalate", "command": "ticket.resolve", "args": {"ref": ref}, "style": "danger"}]}
    return OutboxRow(idempotency_key=key, kind="escalation.page", recipient=recipient, payload=payload,
                     created_at=NOW, next_attempt_at=NOW)


def _rows(engine: object) -> list[OutboxRow]:
    with Session(engine) as session:  # type: ignore[arg-type]
        return list(session.exec(select(OutboxRow)))


def test_a_page_arrives_by_dm_with_buttons_and_a_failed_delivery_stays_in_the_outbox(tmp_path: Path) -> None:
    desk = TinyDesk()
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    ensure_schema(engine)
    with Session(engine) as session:
        session.add(_page("page:1:g1:1:alice", "alice"))
        session.commit()

    async def scenario() -> None:
        async with running_bot(desk, tmp_path / "d.db") as world:
            fake = world.fake
            delivery = OutboxDelivery(engine, [DiscordDeliverer(world.bot)], RetryPolicy())
            # Discord refuses the DM (the user closed DMs from server members): the row stays, with the error.
            fake.fail("POST", r"^/channels/\d+/messages$", status=403, times=1)
            report = await asyncio.to_thread(delivery.deliver_due, NOW)
            assert report.delivered == [] and len(report.failed) == 1
            row = _rows(engine)[0]
            assert row.delivered_at is None and row.attempts == 1 and "403" in (row.last_error or "")
            # Next attempt after the backoff: delivered once, with the page's buttons.
            report = await asyncio.to_thread(delivery.deliver_due, NOW + timedelta(hours=1))
            assert report.delivered == ["page:1:g1:1:alice"]
            dm = next(c for c in fake.channels.values() if c["type"] == 1)
            assert dm["recipients"][0]["id"] == world.users["alice"]["id"]
            [page] = fake.channel_messages(dm["id"])
            assert page["embeds"][0]["title"].startswith("🚨 INC-1")
            assert [b["label"] for b in page["components"][0]["components"]] == ["Acknowledge", "Escalate"]
            # The same notification handed over again (a crash before it was marked) is not posted twice.
            await world.bot.loop.run_in_executor(None, DiscordDeliverer(world.bot).deliver, _notification(row))
            assert len(fake.channel_messages(dm["id"])) == 1

    run(scenario)
    assert _rows(engine)[0].delivered_at is not None


def test_a_page_button_pressed_after_a_restart_acknowledges_and_updates_the_dm(tmp_path: Path) -> None:
    desk = TinyDesk()
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    ensure_schema(engine)

    async def scenario() -> None:
        fake = build_fake()
        await fake.start()
        try:
            async with running_bot(desk, tmp_path / "d.db", fake=fake) as world:
                await _open(world)
                with Session(engine) as session:
                    session.add(_page("page:1:g1:1:bob", "bob"))
                    session.commit()
                delivery = OutboxDelivery(engine, [DiscordDeliverer(world.bot)])
                assert (await asyncio.to_thread(delivery.deliver_due, NOW)).delivered == ["page:1:g1:1:bob"]
            dm = next(c for c in fake.channels.values() if c["type"] == 1)
            [page] = fake.channel_messages(dm["id"])
            ack = page["components"][0]["components"][0]["custom_id"]
            async with running_bot(desk, tmp_path / "d.db", fake=fake) as world:  # restarted bot
                press = await fake.click(world.users["bob"], page["id"], ack)
                callback = await fake.wait_for_call("POST", rf"/interactions/{press.id}/")
                assert callback.body["type"] == 7, "the page DM is updated in place"
                assert "assigned to bob" in fake.messages[page["id"]]["content"]
                assert fake.messages[page["id"]]["components"] == []
        finally:
            await fake.stop()

    run(scenario)
    assert desk.tickets["INC-1"].assignee == "bob"


async def _open(world: World) -> None:
    options = [{"name": "title", "type": 3, "value": "VPN down"}]
    interaction = await world.fake.slash_command(world.users["nelly"], world.help_channel["id"], "ticket",
                                                 [{"name": "open", "type": 1, "options": options}])
    await world.fake.wait_for_call("POST", rf"/interactions/{interaction.id}/")
    await world.fake.wait_for(lambda: any(c.get("type") == 11 for c in world.fake.channels.values()))


def _notification(row: OutboxRow) -> Notification:
    payload = dict(row.payload)
    return Notification(id=int(row.id or 0), key=row.idempotency_key, kind=row.kind, recipient=row.recipient,
                        text=str(payload["text"]), created_at=row.created_at, attempt=row.attempts + 1,
                        ticket_ref=str(payload["ticket"]), payload=payload)
