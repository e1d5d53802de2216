"""The clock only moves forward; durations parse in every documented form and refuse the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from deskops.core.clock import ManualClock, ensure_utc
from deskops.core.durations import format_duration, parse_duration


def test_manual_clock_moves_forward_and_refuses_backwards() -> None:
    clock = ManualClock(datetime(2026, 6, 15, 9, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 6, 15, 7, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    clock.advance(timedelta(hours=2))
    assert clock.now() == datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="only moves forward"):
        clock.set(datetime(2026, 6, 15, 8, 59, tzinfo=UTC))
    assert clock.now() == datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 1, 12, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("PT4H", timedelta(hours=4)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("pt15m", timedelta(minutes=15)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "4", "h", "4x", "P", "PT", "1m30h", "-4h", "4 h"])
def test_bad_durations_are_refused_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_format_duration() -> None:
    assert format_duration(timedelta(days=1, hours=2, minutes=5)) == "1d 2h 5m"
    assert format_duration(timedelta(seconds=45)) == "45s"
    assert format_duration(timedelta(minutes=-30)) == "-30m"
