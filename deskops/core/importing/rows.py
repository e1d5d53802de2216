"""Helpers shared by the parsers: grouping a ticket's rows, and reading local times as UTC."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from deskops.core.importing.records import Rejected

Row = Mapping[str, str]
#: A row with its line number in the source file (the header is line 1).
NumberedRow = tuple[int, Row]
#: Reads one timestamp text as an aware UTC datetime (raises ValueError when it cannot).
TimeParser = Callable[[str], datetime]


def group_rows(rows: Iterable[Row], key: str) -> Iterator[tuple[str, list[NumberedRow]] | Rejected]:
    """Yield each ticket's consecutive rows; a ticket whose rows come back later is rejected, not merged.

    Streaming keeps memory flat on large files; a ticket's rows split across the file would need
    the whole file in memory, so they are refused with a message saying to sort the file.
    """
    seen: set[str] = set()
    current: str | None = None
    bucket: list[NumberedRow] | None = None  # None while discarding a ticket's stray rows
    for line, row in enumerate(rows, start=2):
        ref = (row.get(key) or "").strip()
        if not ref:
            yield Rejected(None, line, f"the `{key}` column is empty: every row must name its ticket")
            continue
        if ref != current:
            if current is not None and bucket is not None:
                yield current, bucket
            current = ref
            if ref in seen:
                yield Rejected(
                    ref,
                    line,
                    f"rows of {ref} from here on are apart from its earlier rows and were left out; "
                    f"sort the file by `{key}` so each ticket's rows are together",
                )
                bucket = None
                continue
            seen.add(ref)
            bucket = []
        if bucket is not None:
            bucket.append((line, row))
    if current is not None and bucket is not None:
        yield current, bucket


def local_time_parser(read: Callable[[str], datetime], zone: tzinfo) -> TimeParser:
    """Return a cached parser giving aware UTC from `read` (text → datetime, naive or aware).

    Times without an offset are read in `zone` (the file's local time); times with one keep it.
    Sources repeat the same minute many times, so a cache makes parsing cheap.
    """

    @lru_cache(maxsize=200_000)
    def parse(text: str) -> datetime:
        value = read(text.strip())
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)

    return parse
