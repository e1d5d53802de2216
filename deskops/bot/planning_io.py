"""Read arrival histories for planning: the BPIC 2014 and UCI files, a CSV of timestamps, the desk's event log.

Each reader returns a `History`: counts per local wall-clock slot (a `Series`, whole days only) and,
where the source records it, the measured average handling time. Core planning never reads files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deskops.core.planning.forecast import Series

if TYPE_CHECKING:
    import pandas as pd

SOURCES = ("bpic2014", "uci", "csv", "db")


@dataclass(frozen=True)
class History:
    """Arrivals per slot, where they came from, and the measured AHT if the source has one."""

    series: Series
    source: str
    aht_seconds: float | None = None

    @property
    def last_day(self) -> date:
        """The last local day of the history."""
        return self.series.first_day + timedelta(days=len(self.series.values) // self.series.per_day - 1)


def bin_counts(local_times: pd.Series, zone: str, first_day: date, last_day: date, step: timedelta) -> Series:
    """Count naive local timestamps per slot from `first_day` to `last_day` (both whole days, included)."""
    import pandas as pd

    if last_day < first_day:
        raise ValueError(f"the history ends ({last_day}) before it starts ({first_day})")
    start = pd.Timestamp(first_day)
    end = pd.Timestamp(last_day + timedelta(days=1))
    inside = local_times[(local_times >= start) & (local_times < end)]
    grid = pd.date_range(start, end, freq=pd.Timedelta(step), inclusive="left")
    counts = inside.dt.floor(pd.Timedelta(step)).value_counts().reindex(grid, fill_value=0)
    return Series(zone, first_day, step, tuple(float(v) for v in counts.to_numpy()))


def _window(first: date | None, last: date | None, default: tuple[date, date]) -> tuple[date, date]:
    return first or default[0], last or default[1]


def read_bpic2014(folder: Path, step: timedelta, first: date | None = None, last: date | None = None) -> History:
    """BPIC 2014 interactions (contacts): `Open Time (First Touch)`, handle time in seconds; Amsterdam time."""
    import pandas as pd

    path = folder / "bpic2014-rabobank-itsm" / "detail_interaction.zip"
    frame = pd.read_csv(path, sep=";", encoding="latin-1", usecols=["Open Time (First Touch)", "Handle Time (secs)"])
    opened = pd.to_datetime(frame["Open Time (First Touch)"], format="%d-%m-%Y %H:%M")
    # 25 full weeks (SOURCE.md): earlier records are leftovers still open when the extract began.
    first, last = _window(first, last, (date(2013, 10, 7), date(2014, 3, 30)))
    series = bin_counts(opened, "Europe/Amsterdam", first, last, step)
    inside = (opened >= pd.Timestamp(first)) & (opened < pd.Timestamp(last + timedelta(days=1)))
    aht = float(frame.loc[inside, "Handle Time (secs)"].mean())
    return History(series, "bpic2014 interactions", aht)


def read_uci(folder: Path, step: timedelta, first: date | None = None, last: date | None = None) -> History:
    """UCI incidents (one arrival per incident at `opened_at`); local time of the Brazilian company."""
    import pandas as pd

    path = folder / "uci-incident-event-log" / "incident_event_log.zip"
    frame = pd.read_csv(path, na_values="?", usecols=["number", "opened_at"]).drop_duplicates("number")
    opened = pd.to_datetime(frame["opened_at"], format="%d/%m/%Y %H:%M")
    # Mar-May 2016 (13 weeks, 1 Mar … 30 May): later months hold only the incidents closed by export time.
    first, last = _window(first, last, (date(2016, 3, 1), date(2016, 5, 30)))
    return History(bin_counts(opened, "America/Sao_Paulo", first, last, step), "uci incidents")


def read_csv(path: Path, column: str, zone: str, step: timedelta, first: date | None = None,
             last: date | None = None) -> History:
    """A CSV with one arrival per row in `column` (ISO timestamps; naive ones are read as local to `zone`)."""
    import pandas as pd

    frame = pd.read_csv(path, usecols=[column])
    stamps = pd.to_datetime(frame[column], format="ISO8601")
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert(zone).dt.tz_localize(None)
    if stamps.empty:
        raise ValueError(f"{path} has no rows in column {column!r}")
    default = (stamps.min().date(), stamps.max().date() - timedelta(days=1))
    first, last = _window(first, last, default)
    return History(bin_counts(stamps, zone, first, last, step), f"csv {path.name}")


def read_database(url: str, zone: str, step: timedelta, first: date | None = None,
                  last: date | None = None) -> History:
    """Ticket arrivals (`TicketOpened` events) from the desk's own event log at `url`."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from deskops.core.persistence.db import make_engine, normalize_url

    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).is_file():
        raise ValueError(f"no desk database at {parsed.database}; import history first "
                         "(`deskops import FILE --format uci|csv`) or give --database URL")
    try:
        with Session(make_engine(url)) as session:
            return read_session(session, zone, step, first, last)
    except SQLAlchemyError as exc:
        raise ValueError(f"cannot read the desk's event log at {parsed.render_as_string(hide_password=True)}: "
                         f"{type(exc).__name__}; is it a DeskOps database (`deskops db upgrade`)?") from exc


def read_session(session: Any, zone: str, step: timedelta, first: date | None = None,
                 last: date | None = None) -> History:
    """Ticket arrivals (`TicketOpened` events) through an open SQLModel session (e.g. a unit of work's)."""
    import pandas as pd
    from sqlmodel import select

    from deskops.core.events import EventType
    from deskops.core.persistence.tables import TicketEventRow

    rows = session.exec(
        select(TicketEventRow.occurred_at).where(TicketEventRow.type == EventType.TICKET_OPENED.value)
    ).all()
    if not rows:
        raise ValueError("the desk's event log holds no opened tickets yet; import history with `deskops import`")
    stamps = pd.Series(pd.to_datetime(list(rows), utc=True)).dt.tz_convert(zone).dt.tz_localize(None)
    default = (stamps.min().date(), stamps.max().date() - timedelta(days=1))
    first, last = _window(first, last, default)
    return History(bin_counts(stamps, zone, first, last, step), "desk event log")
