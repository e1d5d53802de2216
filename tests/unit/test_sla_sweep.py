"""The sweep keeps going past a ticket whose history it cannot use, and says which one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from deskops.core.config.desk import DeskConfig
from deskops.core.services import Desk
from deskops.core.sla.service import SlaEngine, sweep
from deskops.core.tickets import Ticket, TicketKind

CONFIG = DeskConfig.model_validate({
    "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
    "people": {"carol": {"name": "Carol"}},
    "groups": {"network": {"level": 2}, "service-desk": {"level": 1, "manager": "carol"}},
    "agreements": {"sla": {"calendar": "always", "targets": {p: {"resolution": "1h"} for p in ("P1", "P2", "P3",
                                                                                                "P4")}}},
})  # fmt: skip
T0 = datetime(2026, 6, 15, 8, tzinfo=UTC)


class _Tickets:
    """Two open tickets: #1 with an empty log (e.g. a broken import), #2 opened properly."""

    def __init__(self) -> None:
        good = Ticket.open(kind=TicketKind.INCIDENT, title="ok", requester="dave", actor="dave", at=T0, priority="P2")
        good.mark_saved()
        good.id, good.ref = 2, "INC-2"
        broken = Ticket(id=1, ref="INC-1", title="broken", requester="dave")
        self.by_ref = {"INC-1": broken, "INC-2": good}
        self.saved: list[str] = []

    def find(self, query: Any) -> tuple[list[Ticket], int]:
        found = [t for t in self.by_ref.values() if t.state in query.states]
        return found, len(found)

    def get(self, ref: str, *, for_update: bool = False) -> Ticket | None:
        return self.by_ref.get(ref)

    def events(self, ticket_id: int) -> list[Any]:
        from deskops.core.events import RecordedEvent

        if ticket_id == 1:
            return []
        return [RecordedEvent(ticket_id=2, seq=1, type="TicketOpened", occurred_at=T0, actor="dave",
                              payload={"requester": "dave", "priority": "P2", "state": "new"})]  # fmt: skip

    def save(self, ticket: Ticket) -> list[Any]:
        self.saved.append(ticket.ref)
        return []


class _Outbox:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def add(self, message: Any) -> bool:
        self.keys.append(message.key)
        return True


class _Uow:
    def __init__(self) -> None:
        self.tickets, self.outbox, self.commits = _Tickets(), _Outbox(), 0

    def __enter__(self) -> _Uow:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1


def test_a_broken_history_is_reported_and_the_other_tickets_still_get_their_warnings() -> None:
    uow = _Uow()
    report = sweep(uow=uow, desk=Desk.from_config(CONFIG), engine=SlaEngine.from_config(CONFIG),  # type: ignore[arg-type]
                   now=datetime(2026, 6, 15, 9, 30, tzinfo=UTC))
    assert list(report.failed) == ["INC-1"]
    assert "no TicketOpened" in report.failed["INC-1"]
    assert report.breaches == ["INC-2 sla:resolution 100%"]
    assert uow.tickets.saved == ["INC-2"] and uow.commits == 1
    # no group, no assignee: the service desk's queue and its manager hear of the breach
    assert uow.outbox.keys == ["sla:2:sla:resolution:100:group:service-desk", "sla:2:sla:resolution:100:carol"]
