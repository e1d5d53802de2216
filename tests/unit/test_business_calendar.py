"""Business calendar: the issue's cases, a table of worked cases, and the calendar config syntax."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pydantic import ValidationError

from deskops.core.business_calendar import BusinessCalendar, normalise_intervals
from deskops.core.config.calendars import CalendarConfig, parse_days, weekly_windows

iso = datetime.fromisoformat

OFFICE = {"timezone": "Europe/Zurich", "hours": {"mon-fri": ["08:00-17:00"]}}
LUNCH = {"timezone": "Europe/Zurich", "hours": {"mon-fri": ["08:00-12:00", "13:00-17:00"]}}
NIGHTS = {"timezone": "Europe/Zurich", "hours": {"mon-sun": ["22:00-06:00"]}}


def calendar(spec: dict[str, object], **holidays: object) -> BusinessCalendar:
    """Build a calendar from a desk-file-like section, with optional holidays."""
    return BusinessCalendar.from_config(CalendarConfig.model_validate({**spec, "holidays": holidays}))


def local(cal: BusinessCalendar, at: datetime) -> str:
    """Return `at` in the calendar's zone as ISO text with offset."""
    return cal.local(at).isoformat()


# --- the four cases of the issue ------------------------------------------------------------


def test_christmas_holiday_and_weekend_are_skipped() -> None:
    cal = calendar(OFFICE, dates=["2026-12-25"])
    result = cal.due(iso("2026-12-24T16:30+01:00"), timedelta(hours=4))
    assert local(cal, result.due) == "2026-12-28T11:30:00+01:00"
    assert result.consumed == timedelta(hours=4)
    assert [s.day for s in result.skipped] == [date(2026, 12, 25)]


def test_overnight_window_across_the_autumn_dst_change_holds_nine_hours() -> None:
    cal = calendar(NIGHTS)
    start = iso("2026-10-24T21:00+02:00")
    assert local(cal, cal.add(start, timedelta(hours=8))) == "2026-10-25T05:00:00+01:00"
    night = cal.open_intervals(start, iso("2026-10-25T12:00+01:00"))
    assert [b - a for a, b in night] == [timedelta(hours=9)]


@pytest.mark.parametrize(
    ("target", "expected"),
    [(timedelta(minutes=60), "2026-06-16T08:30:00+02:00"), (timedelta(minutes=30), "2026-06-15T17:00:00+02:00")],
)
def test_target_running_out_at_the_window_end_is_due_at_that_end(target: timedelta, expected: str) -> None:
    cal = calendar(OFFICE)
    assert local(cal, cal.add(iso("2026-06-15T16:30+02:00"), target)) == expected


def test_pending_customer_pause_across_the_spring_dst_change() -> None:
    cal = calendar(OFFICE)
    opened = iso("2026-03-26T14:00+01:00")
    pending = [(iso("2026-03-26T16:00+01:00"), iso("2026-03-30T09:30+02:00"))]
    assert local(cal, cal.add(opened, timedelta(hours=8), pauses=pending)) == "2026-03-30T15:30:00+02:00"
    consumed = cal.elapsed(opened, iso("2026-03-30T15:00+02:00"), pauses=pending)
    assert consumed == timedelta(hours=7, minutes=30)
    assert consumed <= timedelta(hours=8)  # met


# --- worked cases ---------------------------------------------------------------------------

SPRING_NIGHT = "2026-03-28T22:00+01:00"  # Zurich jumps from 02:00 to 03:00 that night: 7 real hours

DUE_CASES = [
    # (calendar, holidays, start, target, expected due in the calendar's zone)
    (OFFICE, {}, "2026-06-15T07:00+02:00", "1h", "2026-06-15T09:00:00+02:00"),  # before opening
    (OFFICE, {}, "2026-06-13T10:00+02:00", "1h", "2026-06-15T09:00:00+02:00"),  # Saturday start
    (OFFICE, {}, "2026-06-15T17:00+02:00", "1m", "2026-06-16T08:01:00+02:00"),  # at the (closed) end
    (OFFICE, {}, "2026-06-15T08:00+02:00", "9h", "2026-06-15T17:00:00+02:00"),  # whole day, due at its end
    (OFFICE, {}, "2026-06-15T08:00+02:00", "45h", "2026-06-19T17:00:00+02:00"),  # a full week
    (OFFICE, {}, "2026-06-15T08:00+02:00", "45h1m", "2026-06-22T08:01:00+02:00"),
    (OFFICE, {}, "2026-06-15T10:00+02:00", "0m", "2026-06-15T10:00:00+02:00"),  # zero target
    (LUNCH, {}, "2026-06-15T11:30+02:00", "1h", "2026-06-15T13:30:00+02:00"),  # skips lunch
    (LUNCH, {}, "2026-06-15T12:15+02:00", "30m", "2026-06-15T13:30:00+02:00"),  # starts in lunch
    (LUNCH, {}, "2026-06-15T11:30+02:00", "30m", "2026-06-15T12:00:00+02:00"),  # due at the window end
    (NIGHTS, {}, SPRING_NIGHT, "7h", "2026-03-29T06:00:00+02:00"),  # a 7-hour night
    (NIGHTS, {}, SPRING_NIGHT, "7h30m", "2026-03-29T22:30:00+02:00"),
    (NIGHTS, {}, "2026-06-16T03:00+02:00", "2h", "2026-06-16T05:00:00+02:00"),  # Monday's night, Tuesday
    (NIGHTS, {"dates": ["2026-10-24"]}, "2026-10-24T21:00+02:00", "1h", "2026-10-25T23:00:00+01:00"),
    ({"timezone": "UTC", "hours": "24x7"}, {}, "2026-06-15T10:00+00:00", "50h", "2026-06-17T12:00:00+00:00"),
    ({"timezone": "Europe/Zurich", "hours": {"sat": ["00:00-24:00"]}}, {}, "2026-06-12T12:00+02:00", "24h",
     "2026-06-14T00:00:00+02:00"),
    ({"timezone": "America/New_York", "hours": {"mon-fri": ["09:00-17:00"]}}, {"country": "US"},
     "2026-11-25T16:00-05:00", "2h", "2026-11-27T10:00:00-05:00"),  # Thanksgiving
    (LUNCH, {"country": "CH", "subdivision": "ZH", "dates": ["2026-12-24"]}, "2026-12-23T16:00+01:00", "3h",
     "2026-12-28T10:00:00+01:00"),
    ({"timezone": "Asia/Kolkata", "hours": {"sun-thu": ["09:30-18:00"]}}, {}, "2026-06-18T17:00+05:30", "2h",
     "2026-06-21T10:30:00+05:30"),  # Thursday, then Sunday (a wrapped range)
]


@pytest.mark.parametrize(("spec", "holidays", "start", "target", "expected"), DUE_CASES)
def test_worked_due_cases(spec: dict[str, object], holidays: dict[str, object], start: str, target: str,
                          expected: str) -> None:
    from deskops.core.durations import parse_duration

    cal = calendar(spec, **holidays)
    due = cal.add(iso(start), parse_duration(target))
    assert local(cal, due) == expected
    assert cal.elapsed(iso(start), due) == parse_duration(target)


ELAPSED_CASES = [
    (OFFICE, "2026-06-15T07:00+02:00", "2026-06-15T18:00+02:00", timedelta(hours=9)),
    (OFFICE, "2026-06-12T16:00+02:00", "2026-06-15T09:00+02:00", timedelta(hours=2)),  # across a weekend
    (OFFICE, "2026-06-13T09:00+02:00", "2026-06-14T17:00+02:00", timedelta(0)),  # only weekend
    (LUNCH, "2026-06-15T11:00+02:00", "2026-06-15T14:00+02:00", timedelta(hours=2)),
    (NIGHTS, "2026-10-24T12:00+02:00", "2026-10-25T12:00+01:00", timedelta(hours=9)),
    (NIGHTS, "2026-03-28T12:00+01:00", "2026-03-29T12:00+02:00", timedelta(hours=7)),
    (OFFICE, "2026-06-15T10:00+02:00", "2026-06-15T10:00+02:00", timedelta(0)),
    # A start in the spring-forward gap is read with the offset before the jump (02:30 → 03:30 CEST)
    ({"timezone": "Europe/Zurich", "hours": {"sun": ["02:30-04:00"]}}, "2026-03-29T00:00+01:00",
     "2026-03-29T12:00+02:00", timedelta(minutes=30)),
    # An ambiguous start is its first occurrence (02:30 CEST); the window runs to 03:30 CET
    ({"timezone": "Europe/Zurich", "hours": {"sun": ["02:30-03:30"]}}, "2026-10-25T00:00+02:00",
     "2026-10-25T12:00+01:00", timedelta(hours=2)),
]


@pytest.mark.parametrize(("spec", "start", "end", "expected"), ELAPSED_CASES)
def test_worked_elapsed_cases(spec: dict[str, object], start: str, end: str, expected: timedelta) -> None:
    assert calendar(spec).elapsed(iso(start), iso(end)) == expected


def test_holiday_closes_the_overnight_window_that_starts_on_it_but_not_the_one_ending_on_it() -> None:
    cal = calendar(NIGHTS, dates=["2026-06-16"])
    # Monday night runs into the closed Tuesday; Tuesday night is closed entirely
    assert cal.elapsed(iso("2026-06-15T12:00+02:00"), iso("2026-06-17T12:00+02:00")) == timedelta(hours=8)
    assert cal.is_open(iso("2026-06-16T05:59+02:00"))
    assert not cal.is_open(iso("2026-06-16T23:00+02:00"))


def test_windows_are_half_open() -> None:
    cal = calendar(OFFICE)
    assert cal.is_open(iso("2026-06-15T08:00+02:00"))
    assert not cal.is_open(iso("2026-06-15T17:00+02:00"))
    assert not cal.is_open(iso("2026-06-15T07:59:59+02:00"))


def test_elapsed_reports_the_closed_days_inside_the_span_only() -> None:
    cal = calendar(OFFICE, country="CH", subdivision="ZH", dates=["2026-12-24"])
    seconds, skipped = cal.elapsed_with_skips(iso("2026-12-22T08:00+01:00"), iso("2026-12-24T20:00+01:00"))
    assert seconds == timedelta(hours=18)
    assert [(s.day, s.reason) for s in skipped] == [(date(2026, 12, 24), "closed")]


def test_skipped_holiday_names_come_from_the_holidays_package() -> None:
    cal = calendar(OFFICE, country="CH", subdivision="ZH")
    result = cal.due(iso("2026-12-24T16:00+01:00"), timedelta(hours=2))
    assert [(s.day, s.reason, s.name) for s in result.skipped] == [(date(2026, 12, 25), "holiday", "Christmas Day")]
    assert local(cal, result.due) == "2026-12-28T09:00:00+01:00"  # 26 Dec is a Saturday: nothing to skip


def test_holiday_codes_are_matched_without_regard_to_case() -> None:
    cal = calendar(OFFICE, country="ch", subdivision="zh")
    assert cal.closed_reason(date(2026, 12, 25)) is not None
    be = CalendarConfig.model_validate({"timezone": "Europe/Brussels", "hours": "24x7",
                                        "holidays": {"country": "BE", "subdivision": "flemish"}})
    assert be.holidays.region() == ("BE", "Flemish")


def test_refuses_naive_negative_and_backwards_input() -> None:
    cal = calendar(OFFICE)
    with pytest.raises(ValueError, match="naive"):
        cal.add(datetime(2026, 6, 15, 10), timedelta(hours=1))
    with pytest.raises(ValueError, match="negative"):
        cal.add(iso("2026-06-15T10:00+02:00"), timedelta(hours=-1))
    with pytest.raises(ValueError, match="before the start"):
        cal.elapsed(iso("2026-06-15T10:00+02:00"), iso("2026-06-15T09:00+02:00"))
    with pytest.raises(ValueError, match="ends before"):
        normalise_intervals([(iso("2026-06-15T10:00+02:00"), iso("2026-06-15T09:00+02:00"))])


def test_a_calendar_closed_for_years_is_reported_not_looped_over() -> None:
    days = [date(2026, 1, 5) + timedelta(days=i) for i in range(900)]
    cal = BusinessCalendar(timezone="UTC", weekly=weekly_windows({"mon": ("08:00-09:00",)}), closed_dates=days)
    with pytest.raises(ValueError, match="no open service hours"):
        cal.add(iso("2026-01-01T00:00+00:00"), timedelta(hours=1))


# --- the calendar section's syntax ----------------------------------------------------------


def test_day_keys_ranges_lists_and_wrapping() -> None:
    assert parse_days("mon-fri") == (0, 1, 2, 3, 4)
    assert parse_days("sun-thu") == (0, 1, 2, 3, 6)
    assert parse_days("mon,wed, fri") == (0, 2, 4)
    assert parse_days("SAT") == (5,)


def test_windows_normalise_overnight_whole_day_and_merge() -> None:
    weekly = weekly_windows({"mon": ("22:00-06:00", "08:00-12:00", "11:00-13:00"), "tue": ("00:00-24:00",)})
    assert weekly[0] == ((8 * 3600, 13 * 3600), (22 * 3600, 30 * 3600))
    assert weekly[1] == ((0, 86_400),)
    assert weekly_windows("24x7") == tuple(((0, 86_400),) for _ in range(7))


def test_a_single_window_may_be_written_as_a_string() -> None:
    cfg = CalendarConfig.model_validate({"timezone": "UTC", "hours": {"mon-fri": "08:00-17:00"}})
    assert cfg.weekly()[0] == ((8 * 3600, 17 * 3600),)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"timezone": "Mars/Olympus", "hours": "24x7"}, "unknown time zone"),
        ({"timezone": "UTC", "hours": {"mon-fry": ["08:00-17:00"]}}, "unknown day 'mon-fry'"),
        ({"timezone": "UTC", "hours": {"mon": ["8-17"]}}, "bad window '8-17'"),
        ({"timezone": "UTC", "hours": {"mon": ["25:00-26:00"]}}, "bad time"),
        ({"timezone": "UTC", "hours": {"mon": ["08:60-09:00"]}}, "bad time"),
        ({"timezone": "UTC", "hours": {"mon": ["08:00-08:00"]}}, "empty window"),
        ({"timezone": "UTC", "hours": {"mon": ["24:00-02:00"]}}, "cannot start at 24:00"),
        ({"timezone": "UTC", "hours": {"mon": []}}, "no service hours"),
        ({"timezone": "UTC", "hours": "24/7"}, "24x7"),
        ({"timezone": "UTC", "hours": "24x7", "holidays": {"country": "XX"}}, "unknown holiday country 'XX'"),
        ({"timezone": "UTC", "hours": "24x7", "holidays": {"country": "CH", "subdivision": "QQ"}},
         "unknown subdivision 'QQ' of CH; known: AG"),
        ({"timezone": "UTC", "hours": "24x7", "holidays": {"subdivision": "ZH"}}, "needs a country"),
        ({"timezone": "UTC", "hours": "24x7", "holidays": {"dates": ["2026-02-30"]}}, "bad date '2026-02-30'"),
        ({"timezone": "UTC", "hours": "24x7", "holiday": {}}, "Extra inputs are not permitted"),
    ],
)
def test_bad_calendar_sections_are_refused_with_a_clear_message(section: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        CalendarConfig.model_validate(section)
