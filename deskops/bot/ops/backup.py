"""Whole-desk backup as JSON lines: every table on the metadata, in foreign-key order, restorable anywhere.

Format (one JSON object per line):
- first line, the header: `{"deskops_backup": 1, "revision": <alembic revision>, "tables": {name: rows}}`
  (the non-empty tables);
- then one line per row: `{"table": name, "row": {column: value}}`, tables in dependency order
  (parents first), rows in primary-key order, so two exports of the same desk are byte-identical.

Datetimes are written as ISO-8601 (aware UTC for the `UTCDateTime` columns) and read back by the
column's type, so a dump taken on SQLite restores on PostgreSQL and back without change.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import Column, Engine, Table, func, insert, inspect, select, text
from sqlmodel import SQLModel

FORMAT_VERSION = 1
BATCH = 500
"""Rows inserted per statement on restore (keeps memory flat on large desks)."""


class BackupError(Exception):
    """A backup cannot be restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    """What an export wrote or a restore loaded: rows per table and the schema revision."""

    revision: str | None
    rows: dict[str, int]

    @property
    def total(self) -> int:
        """Rows over all tables."""
        return sum(self.rows.values())


def desk_tables() -> list[Table]:
    """Every table of the desk, parents before children (imports each persistence module to register them)."""
    import deskops.core.persistence as persistence

    for module in pkgutil.iter_modules(persistence.__path__):
        if module.name != "migrations":
            importlib.import_module(f"{persistence.__name__}.{module.name}")
    return list(SQLModel.metadata.sorted_tables)


def schema_revision(engine: Engine) -> str | None:
    """The alembic revision the database is at (None before the first migration)."""
    with engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def export_lines(engine: Engine) -> Iterator[str]:
    """Yield the backup of the whole desk as JSON lines (header first); reads in one transaction."""
    tables = desk_tables()
    with engine.connect() as connection, connection.begin():
        present = set(inspect(connection).get_table_names())
        tables = [table for table in tables if table.name in present]
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one() for table in tables
        }
        counts = {name: count for name, count in counts.items() if count}  # empty tables vary with installed areas
        revision = None
        if "alembic_version" in present:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        yield _dumps({"deskops_backup": FORMAT_VERSION, "revision": revision, "tables": counts})
        for table in tables:
            order = list(table.primary_key.columns) or list(table.columns)
            for row in connection.execute(select(table).order_by(*order)).mappings():
                yield _dumps({"table": table.name, "row": {key: _encode(value) for key, value in row.items()}})


def export_to(engine: Engine, out: IO[str]) -> BackupSummary:
    """Write the backup to a text stream; return what was written."""
    header: dict[str, Any] = {}
    for index, line in enumerate(export_lines(engine)):
        if index == 0:
            header = json.loads(line)
        out.write(line + "\n")
    return BackupSummary(revision=header.get("revision"), rows=dict(header.get("tables", {})))


def restore_from(engine: Engine, lines: Iterable[str]) -> BackupSummary:
    """Load a backup into an empty, up-to-date database in one transaction; refuse anything else unchanged.

    Raises BackupError (nothing written) when the file is not a DeskOps backup, names an unknown
    table or column, its row counts do not match its header, or the database already holds data.
    """
    from deskops.core.persistence.db import ensure_schema

    ensure_schema(engine)
    tables = {table.name: table for table in desk_tables()}
    iterator = iter(enumerate(lines, start=1))
    header = _header(iterator)
    target_revision = schema_revision(engine)
    if header.get("revision") not in (None, target_revision):
        # Older dumps restore after an upgrade of the source; a newer one needs a newer DeskOps.
        raise BackupError(
            f"the backup is at schema revision {header['revision']!r}, this database at {target_revision!r}; "
            "restore with the DeskOps version that took it, or run `deskops db upgrade` on the source and export again"
        )
    loaded = {name: 0 for name in header["tables"]}
    with engine.begin() as connection:
        occupied = [
            name
            for name, table in tables.items()
            if connection.execute(select(func.count()).select_from(table)).scalar_one()
        ]
        if occupied:
            raise BackupError(
                f"the database already holds data ({', '.join(sorted(occupied))}); restore into an empty database "
                "(a new SQLite file or a fresh PostgreSQL database) so nothing is mixed or overwritten"
            )
        pending: list[dict[str, Any]] = []
        current: Table | None = None
        for number, line in iterator:
            if not line.strip():
                continue
            name, row = _row_line(number, line, tables)
            table = tables[name]
            if current is not None and table is not current and pending:
                connection.execute(insert(current), pending)
                pending = []
            current = table
            pending.append(_decode_row(number, table, row))
            loaded[name] = loaded.get(name, 0) + 1
            if len(pending) >= BATCH:
                connection.execute(insert(table), pending)
                pending = []
        if current is not None and pending:
            connection.execute(insert(current), pending)
        expected = {name: count for name, count in header["tables"].items() if count}
        got = {name: count for name, count in loaded.items() if count}
        if expected != got:
            raise BackupError(
                f"the backup is incomplete or edited: its header lists {expected}, its lines hold {got}; "
                "nothing was restored — take the export again"
            )
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection, tables.values())
    return BackupSummary(revision=target_revision, rows=got)


def _header(iterator: Iterator[tuple[int, str]]) -> dict[str, Any]:
    for _number, line in iterator:
        if not line.strip():
            continue
        try:
            header = json.loads(line)
        except json.JSONDecodeError:
            header = None
        if not isinstance(header, dict) or header.get("deskops_backup") != FORMAT_VERSION:
            raise BackupError("line 1 is not a DeskOps backup header; give a file written by `deskops export`")
        if not isinstance(header.get("tables"), dict):
            raise BackupError("line 1: the backup header has no table counts; take the export again")
        return header
    raise BackupError("the backup file is empty; give a file written by `deskops export`")


def _row_line(number: int, line: str, tables: dict[str, Table]) -> tuple[str, dict[str, Any]]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BackupError(f"line {number} is not JSON ({exc.msg}); nothing was restored") from None
    if not isinstance(record, dict) or not isinstance(record.get("row"), dict):
        raise BackupError(f"line {number} is not a table row; nothing was restored")
    name = record.get("table")
    if name not in tables:
        raise BackupError(
            f"line {number}: table {name!r} is unknown to this DeskOps; restore with the version that took the backup"
        )
    return str(name), record["row"]


def _decode_row(number: int, table: Table, row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        raise BackupError(f"line {number}: table {table.name} has no column(s) {sorted(unknown)}; nothing was restored")
    try:
        return {key: _decode(table.columns[key], value) for key, value in row.items()}
    except ValueError as exc:
        raise BackupError(f"line {number}: {exc}; nothing was restored") from None


def _reset_sequences(connection: Any, tables: Iterable[Table]) -> None:
    """PostgreSQL serial columns keep counting from the restored maximum (else the next insert collides)."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and _python_type(column) is int):
                sequence = connection.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name}
                ).scalar_one_or_none()
                if sequence:
                    connection.execute(
                        text(f'SELECT setval(:seq, COALESCE(MAX("{column.name}"), 0) + 1, false) FROM "{table.name}"'),
                        {"seq": sequence},
                    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _python_type(column: Column[Any]) -> type | None:
    kind = column.type
    kind = getattr(kind, "impl_instance", kind)  # a TypeDecorator (UTCDateTime) reads as the type it wraps
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = _python_type(column)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    if kind is bytes:
        return bytes.fromhex(value)
    return value


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
