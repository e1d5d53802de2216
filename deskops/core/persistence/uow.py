"""The SQL unit of work: one session, one transaction, committed only by the use case."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from deskops.core.errors import Conflict
from deskops.core.persistence.repositories import SqlOutboxRepository, SqlTicketRepository


class SqlUnitOfWork:
    """`with uow: ...; uow.commit()` — leaving the block without commit (or by an error) rolls back.

    One instance may be reused for many use cases, one after the other (not concurrently: each
    thread or task needs its own).
    """

    tickets: SqlTicketRepository
    outbox: SqlOutboxRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open session (for other persistence code joining this transaction)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use `with uow:`")
        return self._session

    def __enter__(self) -> Self:
        """Open a session; its transaction begins with the first statement."""
        if self._session is not None:
            raise RuntimeError("this unit of work is already open; units of work do not nest")
        self._session = Session(self._engine, expire_on_commit=False)
        self.tickets = SqlTicketRepository(self._session)
        self.outbox = SqlOutboxRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and close the session."""
        session = self.session
        self._session = None
        try:
            session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        """Commit the transaction; a unique-key race lost at commit time becomes `Conflict`."""
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict(
                "Someone changed the same thing at the same moment.", hint="Nothing was changed; try again."
            ) from exc

    def rollback(self) -> None:
        """Undo the work of this unit so far."""
        self.session.rollback()
