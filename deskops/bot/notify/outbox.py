"""The outbox delivery loop: claim due rows, deliver through a platform, mark delivered or retry."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from deskops.bot.notify.model import Deliverer, Notification
from deskops.core.clock import ensure_utc
from deskops.core.persistence.tables import OutboxRow

log = logging.getLogger(__name__)

_ERROR_LIMIT = 500  # characters of an error kept on the row; enough to diagnose, small to store


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again: `first` after the first failure, doubling up to `longest`, at most `attempts` times.

    No random jitter: retries of different rows already spread out by when they failed, and a
    deterministic schedule keeps simulated-clock runs and tests repeatable.
    """

    first: timedelta = timedelta(seconds=30)
    longest: timedelta = timedelta(hours=1)
    attempts: int = 20
    lease: timedelta = timedelta(minutes=5)
    """How long a claimed row is left to its claimer before another instance may take it."""

    def delay(self, attempt: int) -> timedelta:
        """The wait after failed attempt number `attempt` (1-based)."""
        grown: timedelta = self.first * (2 ** max(attempt - 1, 0))
        return min(grown, self.longest)


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    delivered: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (keys delivered and failed)."""
        return {"delivered": self.delivered, "failed": [{"key": k, "error": e} for k, e in self.failed]}


class OutboxDelivery:
    """Delivers due outbox rows through the first deliverer that can reach each recipient."""

    def __init__(self, engine: Engine, deliverers: Iterable[Deliverer] = (), policy: RetryPolicy | None = None) -> None:
        self.engine = engine
        self.deliverers: list[Deliverer] = list(deliverers)
        self.policy = policy or RetryPolicy()

    def add(self, deliverer: Deliverer) -> None:
        """Add a platform (adapters call this when they start); earlier ones are preferred."""
        self.deliverers.append(deliverer)

    def deliver_due(self, now: datetime, limit: int = 100) -> DeliveryReport:
        """Claim up to `limit` due rows, deliver them, and record each outcome."""
        now = ensure_utc(now)
        report = DeliveryReport()
        if not self.deliverers:
            return report  # nobody to deliver through yet; rows wait, unclaimed
        for notification in self.claim(now, limit):
            deliverer = self._route(notification)
            try:
                if deliverer is None:
                    platforms = ", ".join(d.platform for d in self.deliverers)
                    raise LookupError(f"no platform ({platforms}) can reach {notification.recipient!r}")
                deliverer.deliver(notification)
            except Exception as exc:  # any failure is recorded on the row and retried; delivery goes on
                error = f"{type(exc).__name__}: {exc}"[:_ERROR_LIMIT]
                log.warning(
                    "outbox %s to %s failed (attempt %d): %s",
                    notification.key,
                    notification.recipient,
                    notification.attempt,
                    error,
                )
                self._failed(notification, now, error)
                report.failed.append((notification.key, error))
            else:
                self._delivered(notification, now)
                report.delivered.append(notification.key)
        return report

    def claim(self, now: datetime, limit: int) -> list[Notification]:
        """Take due rows for this instance: a row is ours only if our compare-and-set update hit it."""
        claimed: list[Notification] = []
        with Session(self.engine) as session, session.begin():
            query = (
                select(OutboxRow)
                .where(
                    col(OutboxRow.delivered_at).is_(None),
                    col(OutboxRow.next_attempt_at) <= now,
                    col(OutboxRow.attempts) < self.policy.attempts,
                )
                .order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))
                .limit(limit)
            )
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows: Sequence[OutboxRow] = session.scalars(query).all()
            for row in rows:
                hit = session.execute(
                    update(OutboxRow)
                    .where(
                        col(OutboxRow.id) == row.id,
                        col(OutboxRow.delivered_at).is_(None),
                        col(OutboxRow.attempts) == row.attempts,
                    )
                    .values(attempts=row.attempts + 1, next_attempt_at=now + self.policy.lease)
                    .execution_options(synchronize_session=False)
                )
                if getattr(hit, "rowcount", 0) == 1:
                    claimed.append(_notification(row, attempt=row.attempts + 1))
        return claimed

    def pending_count(self) -> int:
        """How many rows are not delivered yet (including ones that gave up)."""
        with Session(self.engine) as session:
            query = select(func.count()).select_from(OutboxRow).where(col(OutboxRow.delivered_at).is_(None))
            return int(session.scalar(query) or 0)

    def undelivered(self, limit: int = 100) -> list[dict[str, Any]]:
        """The rows not delivered yet, oldest first: key, recipient, attempts, next try, last error."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(OutboxRow)
                .where(col(OutboxRow.delivered_at).is_(None))
                .order_by(col(OutboxRow.created_at), col(OutboxRow.id))
                .limit(limit)
            ).all()
            return [
                {
                    "key": row.idempotency_key,
                    "kind": row.kind,
                    "recipient": row.recipient,
                    "text": str((row.payload or {}).get("text", "")),
                    "created_at": row.created_at.isoformat(),
                    "attempts": row.attempts,
                    "next_attempt_at": row.next_attempt_at.isoformat(),
                    "gave_up": row.attempts >= self.policy.attempts,
                    "last_error": row.last_error,
                }
                for row in rows
            ]

    def retry_given_up(self, now: datetime) -> int:
        """Give rows that ran out of attempts a fresh start at `now` (after the platform is fixed)."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(OutboxRow)
                .where(col(OutboxRow.delivered_at).is_(None), col(OutboxRow.attempts) >= self.policy.attempts)
                .values(attempts=0, next_attempt_at=ensure_utc(now))
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def _route(self, notification: Notification) -> Deliverer | None:
        return next((d for d in self.deliverers if d.can_reach(notification.recipient)), None)

    def _delivered(self, notification: Notification, now: datetime) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(OutboxRow).where(col(OutboxRow.id) == notification.id).values(delivered_at=now, last_error=None)
            )

    def _failed(self, notification: Notification, now: datetime, error: str) -> None:
        retry_at = now + self.policy.delay(notification.attempt)
        if notification.attempt >= self.policy.attempts:
            error = f"gave up after {notification.attempt} attempts: {error}"[:_ERROR_LIMIT]
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(OutboxRow)
                .where(col(OutboxRow.id) == notification.id)
                .values(next_attempt_at=retry_at, last_error=error)
            )


def _notification(row: OutboxRow, attempt: int) -> Notification:
    payload = dict(row.payload or {})
    ref = payload.get("ticket")
    return Notification(
        id=int(row.id or 0),
        key=row.idempotency_key,
        kind=row.kind,
        recipient=row.recipient,
        text=str(payload.get("text") or f"{row.kind} {ref or ''}".strip()),
        created_at=row.created_at,
        attempt=attempt,
        ticket_ref=str(ref) if ref else None,
        payload=payload,
    )
