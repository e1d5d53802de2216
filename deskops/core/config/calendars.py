"""The calendar section of the desk file (see DESIGN.md §4); the arithmetic is in business_calendar."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator

from deskops.core.config.base import StrictModel


class HolidayConfig(StrictModel):
    """Public holidays from the `holidays` package, plus extra closed dates (ISO `YYYY-MM-DD`)."""

    country: str | None = None
    subdivision: str | None = None
    dates: tuple[str, ...] = ()


class CalendarConfig(StrictModel):
    """Service hours: a time zone, weekly windows (or `24x7`) and holidays."""

    timezone: str
    hours: dict[str, tuple[str, ...]] | Literal["24x7"]
    holidays: HolidayConfig = HolidayConfig()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like Europe/Zurich") from exc
        return value
