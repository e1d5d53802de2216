"""The calendar section of the desk file (see DESIGN.md §4); the arithmetic is in business_calendar.

Syntax accepted under `hours` (checked here, once, at load):

- day keys: `mon` … `sun`, ranges `mon-fri` (a range may wrap the week: `sun-thu`), comma lists
  `mon,wed,fri`; a day named under several keys gets all their windows;
- windows: `HH:MM-HH:MM`, half-open `[start, end)`; `24:00` is allowed as an end (`00:00-24:00` is the
  whole day); an end before the start (`22:00-06:00`) runs past midnight and belongs to the day it
  starts on;
- `hours: 24x7` — always open (holidays still close it if any are configured).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator, model_validator

from deskops.core.config.base import StrictModel

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SECONDS = 86_400

_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")

WeeklyWindows = tuple[tuple[tuple[int, int], ...], ...]
"""Seven tuples (Monday first) of windows `(start, end)` in seconds after local midnight of that day.

`end` may exceed 86,400 for a window that runs past midnight (it still belongs to its start day).
"""


def parse_days(key: str) -> tuple[int, ...]:
    """Turn a day key (`mon`, `mon-fri`, `sun-thu`, `mon,wed`) into weekday numbers (Monday = 0)."""
    days: list[int] = []
    for part in key.lower().replace(" ", "").split(","):
        first, sep, last = part.partition("-")
        if first not in DAY_NAMES or (sep and last not in DAY_NAMES):
            raise ValueError(f"unknown day {part!r}; use {', '.join(DAY_NAMES)} or a range like mon-fri")
        start = DAY_NAMES.index(first)
        stop = DAY_NAMES.index(last) if sep else start
        span = (stop - start) % 7  # a range may wrap the week end: sun-thu
        days.extend((start + i) % 7 for i in range(span + 1))
    return tuple(sorted(set(days)))


def _clock_seconds(hours: str, minutes: str, text: str) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m):
        raise ValueError(f"bad time in window {text!r}; times run from 00:00 to 24:00")
    return h * 3600 + m * 60


def parse_window(text: str) -> tuple[int, int]:
    """Turn `08:00-17:00` into `(28800, 61200)`; an overnight `22:00-06:00` ends past 86,400."""
    match = _WINDOW.match(text.strip())
    if match is None:
        raise ValueError(f"bad window {text!r}; write HH:MM-HH:MM, e.g. 08:00-17:00 or 22:00-06:00")
    start = _clock_seconds(match[1], match[2], text)
    end = _clock_seconds(match[3], match[4], text)
    if start == DAY_SECONDS:
        raise ValueError(f"bad window {text!r}; a window cannot start at 24:00 (write 00:00 on the next day)")
    if start == end:
        raise ValueError(f"empty window {text!r}; start and end are the same (use 00:00-24:00 for a whole day)")
    if end < start:
        end += DAY_SECONDS  # overnight: belongs to the day it starts on
    return start, end


def weekly_windows(hours: dict[str, tuple[str, ...]] | Literal["24x7"]) -> WeeklyWindows:
    """Normalise the `hours` entry into seven sorted window lists, Monday first."""
    if hours == "24x7":
        return tuple(((0, DAY_SECONDS),) for _ in range(7))
    per_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for key, windows in hours.items():
        for day in parse_days(key):
            per_day[day].extend(parse_window(w) for w in windows)
    return tuple(tuple(_merge(sorted(day))) for day in per_day)


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join overlapping or touching windows of one day so no second is counted twice."""
    merged: list[tuple[int, int]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def known_zone(value: str) -> str:
    """Check that `value` is an IANA time zone name; the message says what to write instead."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}; use an IANA name like Europe/Zurich") from exc
    return value


def window_lists(value: object) -> object:
    """Accept one window written as a string (`mon-fri: "08:00-17:00"`) as a list of one (a `before` validator)."""
    if isinstance(value, dict):
        return {key: (w,) if isinstance(w, str) else w for key, w in value.items()}
    return value


@cache
def _supported_countries() -> dict[str, dict[str, str]]:
    """Country code → {SUBDIVISION IN CAPITALS: the code as the `holidays` package spells it}."""
    import holidays  # heavy-ish import, only when a calendar names a country

    return {code.upper(): {s.upper(): s for s in subs} for code, subs in holidays.list_supported_countries().items()}


class HolidayConfig(StrictModel):
    """Public holidays from the `holidays` package, plus extra closed dates (ISO `YYYY-MM-DD`)."""

    country: str | None = None
    subdivision: str | None = None
    dates: tuple[str, ...] = ()

    @field_validator("dates")
    @classmethod
    def _iso_dates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            try:
                date.fromisoformat(text)
            except ValueError as exc:
                raise ValueError(f"bad date {text!r}; write closed days as YYYY-MM-DD") from exc
        return value

    @model_validator(mode="after")
    def _known_country(self) -> HolidayConfig:
        if self.country is None:
            if self.subdivision is not None:
                raise ValueError("a holiday subdivision needs a country (e.g. country: CH, subdivision: ZH)")
            return self
        supported = _supported_countries()
        country = self.country.upper()
        if country not in supported:
            raise ValueError(
                f"unknown holiday country {self.country!r}; use an ISO 3166 code the `holidays` package knows, "
                "e.g. CH, DE, US, GB"
            )
        if self.subdivision is not None and self.subdivision.upper() not in supported[country]:
            known = ", ".join(supported[country].values()) or "none"
            raise ValueError(f"unknown subdivision {self.subdivision!r} of {country}; known: {known}")
        return self

    def region(self) -> tuple[str, str | None]:
        """The country and subdivision spelled as the `holidays` package wants them (`ch`/`zh` → `CH`/`ZH`)."""
        if self.country is None:
            raise ValueError("no holiday country configured")
        country = self.country.upper()
        subdivision = self.subdivision
        if subdivision is not None:
            subdivision = _supported_countries()[country].get(subdivision.upper(), subdivision)
        return country, subdivision

    def closed_dates(self) -> tuple[date, ...]:
        """The extra closed dates as `date` objects."""
        return tuple(date.fromisoformat(text) for text in self.dates)


class CalendarConfig(StrictModel):
    """Service hours: a time zone, weekly windows (or `24x7`) and holidays."""

    timezone: str
    hours: dict[str, tuple[str, ...]] | Literal["24x7"]
    holidays: HolidayConfig = HolidayConfig()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("hours", mode="before")
    @classmethod
    def _single_window(cls, value: object) -> object:
        return window_lists(value)

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: dict[str, tuple[str, ...]] | Literal["24x7"]) -> object:
        windows = weekly_windows(value)
        if not any(windows):
            raise ValueError("no service hours: give at least one window, e.g. mon-fri: ['08:00-17:00'], or 24x7")
        return value

    def weekly(self) -> WeeklyWindows:
        """The service hours as seven window lists, Monday first (see `weekly_windows`)."""
        return weekly_windows(self.hours)
