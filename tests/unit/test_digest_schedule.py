"""Digest schedules across the 2026 DST changes in America/New_York, and APScheduler's fault there."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskops.core.digest_schedule import CronSpec, fire_times, last_fire, period_start

NY = "America/New_York"
TZ = ZoneInfo(NY)


def _local(instants: list[datetime]) -> list[str]:
    return [i.astimezone(TZ).strftime("%m-%d %H:%M") for i in instants]


@pytest.mark.parametrize("first_day", [datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 10, 29, tzinfo=UTC)])
def test_daily_0800_fires_once_a_day_at_0800_local_across_the_change(first_day: datetime) -> None:
    times = fire_times(CronSpec.parse("0 8 * * *"), NY, first_day, first_day + timedelta(days=6))
    local = [t.astimezone(TZ) for t in times]
    assert [(t.hour, t.minute) for t in local] == [(8, 0)] * 6
    assert len({t.date() for t in local}) == 6  # one a day: no day skipped, none doubled
    gaps = {round((b - a).total_seconds() / 3600) for a, b in itertools.pairwise(times)}
    assert gaps == {24, 23 if first_day.month == 3 else 25}  # the change day is 23 h (spring) or 25 h (fall)


def test_time_in_the_spring_gap_fires_once_an_hour_later_on_the_wall() -> None:
    times = fire_times(CronSpec.parse("30 2 * * *"), NY, datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 10,
                                                                                                    tzinfo=UTC))
    assert _local(times) == ["03-07 02:30", "03-08 03:30", "03-09 02:30"]


def test_ambiguous_fall_back_time_fires_once_at_its_first_occurrence() -> None:
    times = fire_times(CronSpec.parse("30 1 * * *"), NY, datetime(2026, 10, 31, tzinfo=UTC),
                       datetime(2026, 11, 3, tzinfo=UTC))
    assert _local(times) == ["10-31 01:30", "11-01 01:30", "11-02 01:30"]
    assert times[1].astimezone(TZ).utcoffset() == timedelta(hours=-4)  # EDT, the first 01:30


def test_apscheduler_crontrigger_doubles_the_ambiguous_hour_and_stalls() -> None:
    """The fault we work around: APScheduler 3.x fires 01:30 twice on 2026-11-01, then returns a past time."""
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab("30 1 * * *", timezone=TZ)
    now, previous, fired = datetime(2026, 10, 31, 12, tzinfo=TZ), None, []
    for _ in range(4):
        nxt = trigger.get_next_fire_time(previous, now)
        assert nxt is not None
        fired.append(nxt)
        previous, now = nxt, nxt + timedelta(seconds=1)
    on_the_day = [t for t in fired if t.date().isoformat() == "2026-11-01"]
    assert len(on_the_day) >= 2  # a daily digest would post twice that day
    assert any(b <= a for a, b in itertools.pairwise(fired))  # and a "next" time not after the last


def test_weekly_monday_and_or_semantics_of_day_and_weekday() -> None:
    mondays = fire_times(CronSpec.parse("0 8 * * mon"), NY, datetime(2026, 10, 25, tzinfo=UTC),
                         datetime(2026, 11, 20, tzinfo=UTC))
    assert [t.astimezone(TZ).strftime("%a %H") for t in mondays] == ["Mon 08"] * 4  # Oct 26, Nov 2, 9, 16
    either = CronSpec.parse("0 8 1 * mon")  # cron: the 1st OR a Monday
    assert either.matches_day(datetime(2026, 11, 1).date()) and either.matches_day(datetime(2026, 11, 2).date())
    assert not either.matches_day(datetime(2026, 11, 3).date())


@pytest.mark.parametrize("bad", ["0 8 * *", "61 8 * * *", "0 8 * * funday", "0 8 * */0 *", "0 9-8 * * *"])
def test_bad_cron_is_refused_naming_the_problem(bad: str) -> None:
    with pytest.raises(ValueError, match=r"field|minute|hour|weekday|month"):
        CronSpec.parse(bad)


def test_last_fire_and_local_period_start_across_fall_back() -> None:
    spec = CronSpec.parse("0 8 * * *")
    at = datetime(2026, 11, 1, 15, tzinfo=UTC)  # 10:00 EST
    fired = last_fire(spec, NY, at)
    assert fired is not None and fired.astimezone(TZ).strftime("%m-%d %H:%M") == "11-01 08:00"
    start = period_start(fired, "day", NY)
    assert start.astimezone(TZ).strftime("%m-%d %H:%M") == "10-31 08:00"
    assert fired - start == timedelta(hours=25)  # the local day that contains the fall-back hour
    assert period_start(datetime(2026, 3, 31, 12, tzinfo=UTC), "month", NY).astimezone(TZ).day == 28  # Feb


def test_last_fire_is_none_outside_the_lookback() -> None:
    assert last_fire(CronSpec.parse("0 8 1 1 *"), NY, datetime(2026, 6, 1, tzinfo=UTC), timedelta(days=2)) is None
