"""Use cases of interfaces: hand a ticket to operations, security or a supplier; take their update.

The hand-off writes an outbox message (kind `interface.handoff`, recipient `interface:<name>`) in
the same transaction; the bot's interface deliverer sends it as a signed webhook or an e-mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deskops.core import interfaces as rules
from deskops.core.access import require_work
from deskops.core.clock import ensure_utc
from deskops.core.errors import Conflict, InvalidInput, NotFound
from deskops.core.events import EventType
from deskops.core.ports import OutboxMessage, UnitOfWork
from deskops.core.services._support import SHORT_MAX, TEXT_MAX, change_ticket, clean_text
from deskops.core.services.context import Desk
from deskops.core.services.timeline import register_summary
from deskops.core.services.views import TicketView
from deskops.core.tickets import Ticket

HANDOFF_KIND = "interface.handoff"
"""The outbox kind of a hand-off; its recipient is `interface:<name>`."""
RECIPIENT_PREFIX = "interface:"


def hand_off(
    *, uow: UnitOfWork, desk: Desk, actor: str, ref: str, to: str, now: datetime, note: str = ""
) -> TicketView:
    """Hand the ticket to interface `to` (agents): pending while they work, their agreement's clock runs."""
    at = ensure_utc(now)
    text = clean_text("note", note, limit=TEXT_MAX)
    interface = desk.config.interfaces.get(to)
    if interface is None:
        known = ", ".join(desk.config.interfaces) or "none (the desk file has no interfaces section)"
        raise NotFound(f"There is no interface {to!r}.", hint=f"Interfaces: {known}.")

    def change(ticket: Ticket) -> None:
        require_work(desk.directory, actor, ticket, "hand tickets off")
        assert ticket.id is not None
        if interface.category is not None:  # e.g. security: a confidential category hides it from chat
            ticket.change_category(category=interface.category, actor=actor, at=at)
        rules.hand_off(ticket, name=to, interface=interface, handed_to=rules.current_interface(uow.tickets.events(
            ticket.id)), note=text, actor=actor, at=at)  # fmt: skip
        body = rules.handoff_body(ticket, name=to, note=text, confidential=desk.directory.is_confidential(
            ticket.category) or interface.kind == "security")  # fmt: skip
        uow.outbox.add(OutboxMessage(
            key=f"{ticket.id}:handoff:{ticket.last_seq}", kind=HANDOFF_KIND, recipient=RECIPIENT_PREFIX + to,
            ticket_id=ticket.id, created_at=at, payload={**body, "text": f"{ticket.ref} handed to {to}"},
        ))  # fmt: skip

    return change_ticket(uow, desk, ref, change)


def receive_update(
    *, uow: UnitOfWork, desk: Desk, interface: str, body: Any, delivery_id: str, now: datetime
) -> TicketView:
    """Apply a verified update from `interface` (`{"ticket", "status", "text", "external_ref"}`), once per delivery."""
    at = ensure_utc(now)
    if interface not in desk.config.interfaces:
        raise NotFound(f"There is no interface {interface!r}.")
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object with ticket, status and text.")
    ref = clean_text("ticket", str(body.get("ticket") or ""), limit=SHORT_MAX, required=True)
    status = clean_text("status", str(body.get("status") or "update"), limit=16)
    text = clean_text("text", str(body.get("text") or ""), limit=TEXT_MAX)
    external = clean_text("external_ref", str(body.get("external_ref") or ""), limit=SHORT_MAX)
    seen_key = f"hook:{interface}:{delivery_id}"[:200]

    def change(ticket: Ticket) -> None:
        assert ticket.id is not None
        if uow.tickets.ticket_for_request(seen_key) is not None:
            raise Replayed(f"This update to {ticket.ref} was already received.", hint="Sign each update anew.")
        rules.apply_update(ticket, name=interface, handed_to=rules.current_interface(uow.tickets.events(ticket.id)),
                           status=status, text=text, external_ref=external, at=at)  # fmt: skip
        uow.tickets.remember_request(seen_key, ticket.id, at)

    return change_ticket(uow, desk, ref, change)


class Replayed(Conflict):
    """The same signed delivery came again: refused, nothing changes."""

    code = "replayed"


register_summary(EventType.HANDED_OFF, lambda p, _d: f"handed it to {p.get('interface')} ({p.get('kind')}, "
                 f"{p.get('agreement')} by {p.get('channel')})" + (f": {p['note']}" if p.get("note") else ""))
register_summary(EventType.INTERFACE_UPDATED, lambda p, _d: ("resolved their part" if p.get("status") == "resolved"
                                                             else "posted an update") + (
    f" ({p['external_ref']})" if p.get("external_ref") else ""))
