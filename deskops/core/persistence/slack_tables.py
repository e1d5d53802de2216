"""Slack adapter state kept in the database: delivered requests (dedupe) and ticket threads.

Both must survive restarts and be shared by every running instance, so neither lives in memory.
The adapter creates these tables itself (`create_slack_tables`) until a migration carries them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, Engine, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from deskops.core.persistence.types import UTCDateTime


class SlackDeliveryRow(SQLModel, table=True):
    """A Slack request already taken in hand, keyed by its delivery id (event_id, trigger_id...)."""

    __tablename__ = "slack_deliveries"

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class SlackThreadRow(SQLModel, table=True):
    """Where a ticket's card and thread live in Slack (one per ticket)."""

    __tablename__ = "slack_threads"

    ticket_ref: str = Field(sa_column=Column(String(64), primary_key=True))
    channel: str = Field(max_length=32, index=True)
    ts: str = Field(max_length=32, index=True)
    requester_slack_id: str | None = Field(default=None, max_length=32)
    incident_channel: str | None = Field(default=None, max_length=32)


class SlackDmMessageRow(SQLModel, table=True):
    """A direct message the desk sent about a ticket: a reply in its thread is a comment on that ticket."""

    __tablename__ = "slack_dm_messages"

    channel: str = Field(sa_column=Column(String(32), primary_key=True))
    ts: str = Field(sa_column=Column(String(32), primary_key=True))
    ticket_ref: str = Field(max_length=64)


def create_slack_tables(engine: Engine) -> None:
    """Create the Slack tables where they are missing (idempotent)."""
    names = ("slack_deliveries", "slack_threads", "slack_dm_messages")
    tables = [SQLModel.metadata.tables[name] for name in names]
    SQLModel.metadata.create_all(engine, tables=tables)


class DeliveryLog:
    """Claims Slack deliveries once: the first claim of a key wins, repeats within the window lose."""

    def __init__(self, engine: Engine, *, keep: timedelta = timedelta(hours=24)) -> None:
        self._engine = engine
        self._keep = keep

    def claim(self, key: str, now: datetime) -> bool:
        """Record `key` as taken in hand at `now`; False if it was already claimed (a redelivery)."""
        with Session(self._engine) as session:
            session.add(SlackDeliveryRow(key=key, received_at=now))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def seen(self, key: str) -> bool:
        """Whether `key` was claimed already."""
        with Session(self._engine) as session:
            return session.get(SlackDeliveryRow, key) is not None

    def release(self, key: str) -> None:
        """Forget `key` after its work failed, so Slack's next retry is processed instead of dropped."""
        with Session(self._engine) as session:
            session.execute(delete(SlackDeliveryRow).where(SlackDeliveryRow.key == key))  # type: ignore[arg-type]
            session.commit()

    def purge(self, now: datetime) -> int:
        """Drop keys older than the keep window (at least a day, far beyond Slack's retry span)."""
        with Session(self._engine) as session:
            result = session.execute(
                delete(SlackDeliveryRow).where(SlackDeliveryRow.received_at < now - self._keep)  # type: ignore[arg-type]
            )
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)


class ThreadMap:
    """Ticket ↔ Slack thread mapping (the ticket card's channel and ts)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, ticket_ref: str, channel: str, ts: str, requester_slack_id: str | None) -> None:
        """Remember where the ticket's card was posted."""
        with Session(self._engine) as session:
            row = session.get(SlackThreadRow, ticket_ref)
            if row is None:
                session.add(SlackThreadRow(ticket_ref=ticket_ref, channel=channel, ts=ts,
                                           requester_slack_id=requester_slack_id))
            else:
                row.channel, row.ts = channel, ts
            session.commit()

    def set_incident_channel(self, ticket_ref: str, channel: str) -> None:
        """Remember the channel opened for a major incident."""
        with Session(self._engine) as session:
            row = session.get(SlackThreadRow, ticket_ref)
            if row is not None:
                row.incident_channel = channel
                session.commit()

    def by_ticket(self, ticket_ref: str) -> SlackThreadRow | None:
        """The card/thread of a ticket, if it has one."""
        with Session(self._engine) as session:
            return session.get(SlackThreadRow, ticket_ref)

    def save_dm(self, channel: str, ts: str, ticket_ref: str) -> None:
        """Remember a direct message about a ticket, so replies to it reach that ticket."""
        with Session(self._engine) as session:
            session.merge(SlackDmMessageRow(channel=channel, ts=ts, ticket_ref=ticket_ref))
            session.commit()

    def dm_ticket(self, channel: str, ts: str) -> str | None:
        """The ticket a direct message of the desk was about, if it was about one."""
        with Session(self._engine) as session:
            row = session.get(SlackDmMessageRow, (channel, ts))
            return None if row is None else row.ticket_ref

    def by_thread(self, channel: str, ts: str) -> SlackThreadRow | None:
        """The ticket whose card is the root of the thread `(channel, ts)`, if any."""
        with Session(self._engine) as session:
            stmt = select(SlackThreadRow).where(SlackThreadRow.channel == channel, SlackThreadRow.ts == ts)  # type: ignore[arg-type]
            return session.execute(stmt).scalars().first()
