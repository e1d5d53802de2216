"""Interfaces: handing a ticket to the operations centre, the security team or a supplier, and
taking their updates back. Also the signature every webhook between the desk and them carries.

- A hand-off records `HandedOff` and puts the ticket in `pending:<reason>` (supplier by default),
  which starts the UC clock (a UC runs only while the ticket is `pending:supplier`) and, for the
  customer SLA, is ordinary working time: the desk stays answerable for the whole.
- The other party posts updates (`status: update`) — they become internal comments — and resolves
  its part (`status: resolved`): the ticket comes back to the desk's queue, which stops the UC clock.
  Only the interface the ticket is with may update it.
- Signatures: `X-DeskOps-Timestamp: <unix seconds>` and `X-DeskOps-Signature: sha256=<hex>`, the
  HMAC-SHA256 of `<timestamp>.<body>` with the shared secret; older than `MAX_SKEW` is refused, and
  each signature is accepted once (replays are refused by the store, see services/interfaces.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from deskops.core.config.interfaces import InterfaceConfig
from deskops.core.errors import Forbidden, InvalidInput, InvalidTransition
from deskops.core.events import DomainEvent, EventType
from deskops.core.tickets import CommentVisibility, PendingReason, Ticket, TicketState

MAX_SKEW = timedelta(minutes=5)
"""How far a signed request's timestamp may be from the desk's clock."""
TIMESTAMP_HEADER = "X-DeskOps-Timestamp"
SIGNATURE_HEADER = "X-DeskOps-Signature"
UPDATE_STATUSES = ("update", "resolved")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value of `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime) -> None:
    """Refuse a missing, stale or forged signature (constant-time comparison)."""
    if not timestamp or not signature:
        raise Forbidden(f"The request is not signed ({TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are needed).")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Forbidden(f"{TIMESTAMP_HEADER} must be unix seconds.") from None
    if abs(now.timestamp() - sent) > MAX_SKEW.total_seconds():
        raise Forbidden("The signed timestamp is too old or in the future; sign again with the current time.")
    if not hmac.compare_digest(sign(secret, sent, body), signature.strip()):
        raise Forbidden("The signature does not match the body; check the shared secret.")


def hand_off(
    ticket: Ticket, *, name: str, interface: InterfaceConfig, handed_to: str | None, note: str, actor: str,
    at: datetime,
) -> None:
    """Hand the ticket to interface `name`: record it and put the ticket in pending:<reason>."""
    if not ticket.is_open:
        raise InvalidTransition(f"{ticket.ref} is {ticket.state}; only open tickets can be handed off.")
    if handed_to is not None:
        raise InvalidInput(f"{ticket.ref} is already with {handed_to}.",
                           hint="Wait for their update; they resolve their part through their webhook.")  # fmt: skip
    channel = "webhook" if interface.webhook else "email"
    ticket.record(EventType.HANDED_OFF, actor, at, interface=name, kind=interface.kind,
                  agreement=interface.agreement, channel=channel, note=note)  # fmt: skip
    ticket.set_pending(reason=PendingReason(interface.pending_reason), note=f"handed to {name}: {note}".strip(": "),
                       actor=actor, at=at)  # fmt: skip


def apply_update(
    ticket: Ticket, *, name: str, handed_to: str | None, status: str, text: str, external_ref: str, at: datetime
) -> None:
    """Take an update from interface `name`: note it, and give the ticket back when they resolved their part."""
    if status not in UPDATE_STATUSES:
        raise InvalidInput(f"Unknown status {status!r}.", hint=f"Use one of: {', '.join(UPDATE_STATUSES)}.")
    if handed_to != name:
        raise Forbidden(f"{ticket.ref} is not handed to {name}; it cannot be updated from there.")
    actor = f"interface:{name}"
    ticket.record(EventType.INTERFACE_UPDATED, actor, at, interface=name, status=status, text=text,
                  external_ref=external_ref)  # fmt: skip
    if text.strip():
        ticket.add_comment(visibility=CommentVisibility.INTERNAL, text=f"[{name}] {text}", actor=actor, at=at)
    if status == "resolved" and ticket.state == TicketState.PENDING:
        ticket.resume(actor=actor, at=at, reason=f"{name} resolved their part")


def current_interface(events: Iterable[DomainEvent]) -> str | None:
    """The interface the ticket is with: the latest hand-off whose part is not resolved yet."""
    holder: str | None = None
    for event in events:
        if event.type == EventType.HANDED_OFF:
            holder = str(event.payload.get("interface"))
        elif event.type == EventType.INTERFACE_UPDATED and event.payload.get("status") == "resolved":
            holder = None
    return holder


def handoff_body(ticket: Ticket, *, name: str, note: str, confidential: bool) -> dict[str, Any]:
    """What the other party receives: enough to work on it, and how to answer."""
    return {
        "interface": name,
        "ticket": ticket.ref,
        "title": ticket.title,
        "description": ticket.description,
        "priority": ticket.priority,
        "category": ticket.category,
        "service": ticket.service,
        "note": note,
        "confidential": confidential,
        "reply": {"path": f"/hooks/{name}", "statuses": list(UPDATE_STATUSES),
                  "body": {"ticket": ticket.ref, "status": "update|resolved", "text": "…", "external_ref": "…"}},
    }  # fmt: skip
