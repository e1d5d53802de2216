"""Report measures on hand-computed cases: periods, backlog, gross and net time, reopens, hops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskops.core.kpi.facts import TicketFacts
from deskops.core.kpi.period import Period
from deskops.core.kpi.report import ReportOptions, build_report
from deskops.core.kpi.stats import quantile, summarize

D = datetime(2026, 3, 1, tzinfo=UTC)


def t(ref: str, opened_h: float, resolved_h: float | None = None, *, pending_h: float = 0, reopens: int = 0,
      hops: int = 0, priority: str = "P3", group: str = "service-desk", closed_h: float | None = None,
      ack_h: float | None = None, escalations: int = 0, channel: str = "chat") -> TicketFacts:
    opened = D + timedelta(hours=opened_h)
    resolved = None if resolved_h is None else D + timedelta(hours=resolved_h)
    finished = resolved or (None if closed_h is None else D + timedelta(hours=closed_h))
    return TicketFacts(
        ref=ref, kind="incident", state="resolved" if finished else "in_progress", priority=priority, group=group,
        category=None, channel=channel, opened_at=opened, resolved_at=resolved, finished_at=finished,
        acknowledged_at=None if ack_h is None else D + timedelta(hours=ack_h), pending_seconds=pending_h * 3600,
        reopen_count=reopens, reassignment_count=hops, escalation_count=escalations,
    )


TICKETS = [
    t("A", 1, 5, pending_h=2, hops=1, priority="P1", group="network", ack_h=1.5, escalations=1),  # 4 h, 2 h net
    t("B", 2, 12, reopens=1, hops=3, ack_h=4),  # 10 h, reopened
    t("C", 3, 3.5, ack_h=3.25, channel="email"),  # 0.5 h, first contact at the desk
    t("D", 30, None, hops=0),  # still open, never acknowledged
    t("E", 40, 80, pending_h=50, group="network", ack_h=41),  # 40 h gross; pending longer than gross → net 0
    t("F", 50, None, closed_h=60),  # closed without a recorded resolution
]


def test_everything() -> None:
    report = build_report(TICKETS, Period())
    assert (report.opened, report.resolved, report.backlog_end) == (6, 4, 1)
    gross = report.time_to_resolve_hours.gross
    assert (gross.count, gross.mean, gross.median) == (4, (4 + 10 + 0.5 + 40) / 4, (4 + 10) / 2)
    assert gross.p90 == pytest.approx(10 + 0.7 * 30)  # ranks 0.5, 4, 10, 40: position 2.7
    net = report.time_to_resolve_hours.net
    assert net.mean == (2 + 10 + 0.5 + 0) / 4 and net.median == (0.5 + 2) / 2  # nets 0, 0.5, 2, 10
    assert report.reopen_rate == 1 / 4
    assert report.reopened_share_of_opened == 1 / 6
    assert report.reassignments_mean == 4 / 6
    assert report.reassigned_share == 2 / 6 and report.reassigned_3plus_share == 1 / 6


def test_a_period_counts_what_happened_inside_it_and_the_backlog_at_its_end() -> None:
    first_day = Period(D, D + timedelta(days=1))
    report = build_report(TICKETS, first_day)
    assert (report.opened, report.resolved) == (3, 3)  # A, B, C opened and resolved on day one
    assert report.backlog_end == 0
    second_day = Period(D + timedelta(days=1), D + timedelta(days=2))
    report = build_report(TICKETS, second_day)
    # D and E open on day two and are both still open at its end (E is resolved at 80 h).
    assert (report.opened, report.resolved, report.backlog_end) == (2, 0, 2)
    third_day = Period(D + timedelta(days=2), D + timedelta(days=3))
    report = build_report(TICKETS, third_day)
    # F opened at 50 h and closed at 60 h without a resolution time: opened, not resolved, not in the backlog.
    assert (report.opened, report.resolved, report.backlog_end) == (1, 0, 2)
    assert report.time_to_resolve_hours.gross.mean is None and report.reopen_rate is None


def test_slices_per_priority_and_group_sum_to_the_whole() -> None:
    report = build_report(TICKETS, Period())
    assert set(report.by_priority) == {"P1", "P3"} and report.by_priority["P1"].resolved == 1
    assert sum(m.opened for m in report.by_group.values()) == report.opened
    assert report.by_group["network"].time_to_resolve_hours.gross.mean == (4 + 40) / 2


def test_json_has_the_documented_keys() -> None:
    document = build_report(TICKETS, Period(D, D + timedelta(days=3))).model_dump(mode="json", by_alias=True)
    for key in ("period", "opened", "resolved", "backlog_end", "time_to_resolve_hours", "reopen_rate",
                "reassignments_mean", "sla", "by_priority", "by_group", "definitions"):
        assert key in document
    assert document["period"] == {"from": "2026-03-01T00:00:00Z", "to": "2026-03-04T00:00:00Z"}
    assert set(document["time_to_resolve_hours"]["net"]) >= {"mean", "median", "p90"}


def test_quantiles_interpolate_like_numpy() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([10.0], 0.9) == 10.0
    assert quantile([0.0, 10.0], 0.9) == 9.0
    assert summarize([]).mean is None


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Period(D, D)


def test_acknowledgement_backlog_age_escalation_and_first_level_figures() -> None:
    desk = frozenset({"service-desk"})
    options = ReportOptions(as_of=D + timedelta(days=10), older_than_days=7, first_level_groups=desk)
    report = build_report(TICKETS, Period(), options=options)
    ack = report.time_to_acknowledge_hours
    assert (ack.count, ack.mean, ack.median) == (4, (0.5 + 2 + 0.25 + 1) / 4, (0.5 + 1) / 2)
    assert report.unacknowledged == 2  # D and F
    assert report.backlog_end == 1 and report.backlog_age_days.median == 10 - 30 / 24 and report.backlog_older_than == 1
    assert report.escalated_share == 1 / 6
    # Resolved: A (network), B (desk, reassigned and reopened), C (desk, clean), E (network).
    assert report.first_level_resolution == 2 / 4 and report.first_contact_resolution == 1 / 4
    assert report.volume.by_channel == {"chat": 5, "email": 1}
    on_day_one = build_report(TICKETS, Period(D, D + timedelta(hours=3.5)), options=options)
    # C was acknowledged at 3.25 h, inside; B at 4 h, after the end: B is unacknowledged within the period.
    assert on_day_one.time_to_acknowledge_hours.count == 2 and on_day_one.unacknowledged == 1
    assert build_report(TICKETS, Period()).first_contact_resolution is None  # no 1st level known


def test_periods_split_into_calendar_days_weeks_and_months() -> None:
    from deskops.core.kpi.period import split

    period = Period(datetime(2026, 1, 30, 12, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    months = split(period, "month")
    assert [(p.start, p.end) for p in months] == [
        (datetime(2026, 1, 30, 12, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
        (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
        (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)),
    ]
    weeks = split(period, "week")
    assert all(p.start.weekday() == 0 for p in weeks[1:]) and weeks[-1].end == period.end
    assert len(split(period, "day")) == 31  # 30 Jan (from noon), 31 Jan, 28 days of February, 1 Mar
    assert split(Period(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 5, tzinfo=UTC)), "month")[1].start == \
        datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="start and an end"):
        split(Period(), "day")
    with pytest.raises(ValueError, match="one of: day, week, month"):
        split(period, "hour")


def test_workload_per_assignee_counts_resolved_and_open_tickets() -> None:
    from dataclasses import replace

    tickets = [replace(TICKETS[0], assignee="bob"), replace(TICKETS[1], assignee="bob"),
               replace(TICKETS[3], assignee="alice"), TICKETS[2]]
    report = build_report(tickets, Period())
    assert {name: (load.resolved, load.backlog_end) for name, load in report.workload.items()} == {
        "bob": (2, 0), "alice": (0, 1), "(none)": (1, 0)}
    assert list(report.workload) == ["bob", "(none)", "alice"]  # busiest first, ties by name
