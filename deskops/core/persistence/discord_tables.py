"""Discord adapter state kept in the database: interactions taken in hand (dedupe) and ticket threads.

Both must survive restarts and be shared by every running instance, so neither lives in memory.
The adapter creates these tables itself (`create_discord_tables`) until a migration carries them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Engine, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from deskops.core.persistence.types import UTCDateTime


class DiscordInteractionRow(SQLModel, table=True):
    """One user intent already taken in hand (interaction id, modal nonce, button press, reaction).

    `reply` holds the answer once the work is done, so a repeat gets the same answer.
    """

    __tablename__ = "discord_interactions"

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    reply: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class DiscordThreadRow(SQLModel, table=True):
    """Where a ticket lives in Discord: its thread and the card message updated in place."""

    __tablename__ = "discord_threads"

    ticket_ref: str = Field(sa_column=Column(String(64), primary_key=True))
    channel_id: str = Field(max_length=32)
    thread_id: str = Field(max_length=32, index=True, unique=True)
    card_message_id: str = Field(max_length=32)


def create_discord_tables(engine: Engine) -> None:
    """Create the Discord tables where they are missing (idempotent)."""
    tables = [SQLModel.metadata.tables[name] for name in ("discord_interactions", "discord_threads")]
    SQLModel.metadata.create_all(engine, tables=tables)


class InteractionLog:
    """Claims each user intent once: the first claim of a key wins, repeats get the stored answer."""

    def __init__(self, engine: Engine, *, keep: timedelta = timedelta(days=2)) -> None:
        self._engine = engine
        self._keep = keep

    def claim(self, key: str, now: datetime) -> bool:
        """Record `key` as taken in hand at `now`; False if it was already claimed (a repeat)."""
        with Session(self._engine) as session:
            session.add(DiscordInteractionRow(key=key, received_at=now))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def answer(self, key: str, reply: dict[str, Any]) -> None:
        """Store the answer given to `key`, for repeats."""
        with Session(self._engine) as session:
            session.execute(
                update(DiscordInteractionRow).where(DiscordInteractionRow.key == key)  # type: ignore[arg-type]
                .values(reply=reply)
            )
            session.commit()

    def previous_answer(self, key: str) -> dict[str, Any] | None:
        """The answer stored for `key` (None while the first attempt is still running)."""
        with Session(self._engine) as session:
            row = session.get(DiscordInteractionRow, key)
            return None if row is None else row.reply

    def release(self, key: str) -> None:
        """Forget `key` after its work failed, so trying again is processed instead of dropped."""
        with Session(self._engine) as session:
            session.execute(delete(DiscordInteractionRow).where(DiscordInteractionRow.key == key))  # type: ignore[arg-type]
            session.commit()

    def purge(self, now: datetime) -> int:
        """Drop keys older than the keep window (interaction tokens live 15 minutes; we keep two days)."""
        with Session(self._engine) as session:
            result = session.execute(
                delete(DiscordInteractionRow).where(DiscordInteractionRow.received_at < now - self._keep)  # type: ignore[arg-type]
            )
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)


class TicketThreads:
    """Ticket ↔ Discord thread mapping (the thread and its card message)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, ticket_ref: str, channel_id: int, thread_id: int, card_message_id: int) -> None:
        """Remember where the ticket's thread and card are."""
        with Session(self._engine) as session:
            row = session.get(DiscordThreadRow, ticket_ref)
            if row is None:
                session.add(DiscordThreadRow(ticket_ref=ticket_ref, channel_id=str(channel_id),
                                             thread_id=str(thread_id), card_message_id=str(card_message_id)))
            else:
                row.channel_id, row.thread_id = str(channel_id), str(thread_id)
                row.card_message_id = str(card_message_id)
            session.commit()

    def by_ticket(self, ticket_ref: str) -> DiscordThreadRow | None:
        """The thread of a ticket, if it has one."""
        with Session(self._engine) as session:
            return session.get(DiscordThreadRow, ticket_ref)

    def by_thread(self, thread_id: int) -> DiscordThreadRow | None:
        """The ticket whose thread is `thread_id`, if any."""
        with Session(self._engine) as session:
            stmt = select(DiscordThreadRow).where(DiscordThreadRow.thread_id == str(thread_id))  # type: ignore[arg-type]
            return session.execute(stmt).scalars().first()

    def by_card(self, message_id: int) -> DiscordThreadRow | None:
        """The ticket whose card is the message `message_id`, if any."""
        with Session(self._engine) as session:
            stmt = select(DiscordThreadRow).where(DiscordThreadRow.card_message_id == str(message_id))  # type: ignore[arg-type]
            return session.execute(stmt).scalars().first()
