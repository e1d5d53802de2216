"""Open history files for import: plain, gzip or single-member zip CSV, with a count of bytes read.

The count drives the progress bar: it is taken on the uncompressed bytes, whose total is known
up front for plain and zip files (gzip reports the compressed size, so its bar is approximate).
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast


class DataFileError(Exception):
    """A history file that cannot be read as CSV; the message says what to do."""


class _CountingReader(io.RawIOBase):
    """A raw binary stream that counts the bytes read through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.bytes_read += size
        return size


@dataclass
class CsvSource:
    """An open CSV file: its header, its rows as dicts, and how far reading has got."""

    header: list[str]
    rows: Iterator[dict[str, str]]
    total_bytes: int
    _counter: _CountingReader

    @property
    def bytes_read(self) -> int:
        """Uncompressed bytes consumed so far (ahead of the rows by at most one buffer)."""
        return self._counter.bytes_read


@contextmanager
def open_csv(path: Path) -> Iterator[CsvSource]:
    """Open `path` (.csv, .csv.gz or a zip holding one .csv) and read its header row."""
    if not path.is_file():
        raise DataFileError(f"{path}: no such file; give the path of a .csv, .csv.gz or .zip file")
    with _open_binary(path) as (raw, total):
        counter = _CountingReader(raw)
        text = io.TextIOWrapper(io.BufferedReader(counter, buffer_size=1 << 16), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise DataFileError(f"{path}: the file is empty; it needs a header row and data rows") from None
        except (UnicodeDecodeError, csv.Error) as error:
            raise DataFileError(f"{path}: not a UTF-8 CSV file ({error})") from None
        yield CsvSource(header=header, rows=_dict_rows(path, header, reader), total_bytes=total, _counter=counter)


def _dict_rows(path: Path, header: list[str], reader: Iterator[list[str]]) -> Iterator[dict[str, str]]:
    try:
        for values in reader:
            if values:
                yield dict(zip(header, values, strict=False))
    except (UnicodeDecodeError, csv.Error) as error:
        raise DataFileError(f"{path}: unreadable CSV ({error}); save it as UTF-8 CSV and retry") from None


@contextmanager
def _open_binary(path: Path) -> Iterator[tuple[IO[bytes], int]]:
    """The file's uncompressed bytes and their total size (best known)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) != 1:
                names = ", ".join(info.filename for info in members) or "none"
                raise DataFileError(f"{path}: a zip must hold exactly one CSV file (it holds: {names})")
            with archive.open(members[0]) as member:
                yield member, members[0].file_size
        return
    size = path.stat().st_size
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as compressed:
            yield cast(IO[bytes], compressed), size
        return
    with path.open("rb") as stream:
        yield stream, size
