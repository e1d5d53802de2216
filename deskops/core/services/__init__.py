"""Use cases of the ticket engine: one verb each, one unit of work each, `now` passed in.

Every function is keyword-only and takes `uow` (a `UnitOfWork`, e.g. `SqlUnitOfWork`), `desk`
(`Desk.from_config(config)`, built once) and `actor` (the desk person id acting). Changes take
`now` (aware datetime; converted to UTC) and commit once; a refusal raises a `DeskError`
(`NotFound`, `Forbidden`, `InvalidTransition`, `InvalidInput`, `Conflict`) with `message` and
`hint`, and changes nothing. They return frozen pydantic views (`TicketView`, `TicketDetail`,
`TicketList`, `OpenResult`, `EventView`).

| use case | arguments besides uow, desk, actor | returns |
| --- | --- | --- |
| `open_ticket` | title, now, kind, description, urgency, impact, category, service, customer, | `OpenResult` |
|  | requester, group, channel, request_id | (ticket, created) |
| `get_ticket` | ref | `TicketDetail(ticket, comments, actions)` |
| `list_tickets` | mine, requester, assignee, unassigned, group, state ("open"/"all"/a state), | `TicketList` |
|  | priority, kind, sort ("priority"/"opened"/"updated"), limit | (items, total) |
| `history` | ref | `tuple[EventView, ...]` (seq, type, at, actor, payload, summary) |
| `classify` | ref, now, urgency, impact, category, reason | `TicketView` |
| `assign` | ref, now, group, person (`"me"` = actor), reason | `TicketView` |
| `start_work` | ref, now | `TicketView` |
| `set_pending` | ref, reason (customer/supplier/change/problem/other), now, note | `TicketView` |
| `resume` | ref, now | `TicketView` |
| `resolve` | ref, resolution_code, now, note | `TicketView` |
| `reopen` | ref, reason, now | `TicketView` |
| `close` | ref, now | `TicketView` |
| `cancel` | ref, reason, now | `TicketView` |
| `comment` | ref, text, now, visibility (public/internal), request_id | `TicketView` |

Rules: requesters see their own tickets, write public comments, reopen and cancel them; agents
(group members) and managers do everything; internal comments are hidden from non-agents;
confidential categories show only to their group, managers and the requester. `open_ticket` and
`comment` with a `request_id` already used return without doing the work again.

Notifications go to the outbox in the same transaction (kind `ticket.update`, recipient a person
id or `group:<name>`, key `"{ticket_id}:{seq}:{role}"`, payload with `text`, `ticket`, `event`).
"""

from __future__ import annotations

from deskops.core.services.assign import assign
from deskops.core.services.classify import classify
from deskops.core.services.comment import comment
from deskops.core.services.context import Desk
from deskops.core.services.lifecycle import cancel, close, reopen, resolve, resume, set_pending, start_work
from deskops.core.services.opening import open_ticket
from deskops.core.services.queries import get_ticket, history, list_tickets
from deskops.core.services.views import CommentView, EventView, OpenResult, TicketDetail, TicketList, TicketView

__all__ = [
    "CommentView",
    "Desk",
    "EventView",
    "OpenResult",
    "TicketDetail",
    "TicketList",
    "TicketView",
    "assign",
    "cancel",
    "classify",
    "close",
    "comment",
    "get_ticket",
    "history",
    "list_tickets",
    "open_ticket",
    "reopen",
    "resolve",
    "resume",
    "set_pending",
    "start_work",
]
