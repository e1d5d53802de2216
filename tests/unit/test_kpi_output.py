"""Report outputs: audiences see only their figures; Markdown/HTML show the same tables; charts are drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from deskops.bot.report_charts import write_charts
from deskops.bot.report_render import build_tables, to_html, to_markdown
from deskops.core.kpi.audience import Audience, for_audience
from deskops.core.kpi.facts import TicketFacts
from deskops.core.kpi.period import Period
from deskops.core.kpi.report import ReportOptions, build_report
from deskops.core.kpi.series import age_buckets, volume_series

D = datetime(2026, 3, 2, tzinfo=UTC)


def fact(ref: str, opened_h: float, resolved_h: float | None, *, priority: str = "P2", group: str = "network",
         hops: int = 0) -> TicketFacts:
    resolved = None if resolved_h is None else D + timedelta(hours=resolved_h)
    return TicketFacts(
        ref=ref, kind="incident", state="resolved" if resolved else "in_progress", priority=priority, group=group,
        category="vpn", channel="slack", opened_at=D + timedelta(hours=opened_h), resolved_at=resolved,
        finished_at=resolved, acknowledged_at=D + timedelta(hours=opened_h + 0.5), pending_seconds=0,
        reopen_count=0, reassignment_count=hops, escalation_count=0,
    )


FACTS = [fact("A", 0, 5, hops=2), fact("B", 30, 40, priority="P1"), fact("C", 60, None, group="service-desk"),
         fact("D", 200, 260)]


def document() -> dict:
    period = Period(D, D + timedelta(days=14))
    report = build_report(FACTS, period, options=ReportOptions(first_level_groups=frozenset({"service-desk"})))
    return report.model_dump(mode="json", by_alias=True) | {"filter": {}, "database": "sqlite:///x.db"}


def test_customers_get_service_figures_per_priority_and_no_internal_productivity() -> None:
    full = document()
    customer = for_audience(full, Audience.CUSTOMER)
    for internal in ("by_group", "reassignments_mean", "first_contact_resolution", "escalated_share", "database",
                     "backlog_age_days", "volume"):
        assert internal not in customer, internal
    assert customer["by_priority"]["P2"] == {k: full["by_priority"]["P2"][k] for k in
                                             ("opened", "resolved", "backlog_end", "time_to_resolve_hours",
                                              "reopen_rate")}
    assert set(customer["definitions"]) <= set(customer)
    assert customer["audience"] == "customer"
    assert for_audience(full, Audience.MANAGER).keys() == full.keys() | {"audience"}
    assert "by_group" in for_audience(full, Audience.LEAD) and "by_group" not in for_audience(full, Audience.AGENT)


def test_markdown_and_html_carry_the_same_tables() -> None:
    doc = document()
    tables = build_tables(doc)
    markdown, page = to_markdown(doc), to_html(doc)
    assert [t.title for t in tables][:3] == ["The desk", "More measures", "By priority"]
    for table in tables:
        assert f"## {table.title}" in markdown
        for row in table.rows:
            assert "| " + " | ".join(row) + " |" in markdown
            assert f"<td>{row[0]}</td>" in page
    assert "**reopen_rate**" in markdown and "<dt>reopen_rate</dt>" in page


def test_charts_are_written_and_not_empty(tmp_path: Path) -> None:
    doc = document()
    doc["sla"]["by_priority"] = {"P1": {"resolution": {"compliance": 0.5}}, "P2": {"resolution": {"compliance": 1.0}}}
    files = write_charts(tmp_path / "charts", FACTS, Period(D, D + timedelta(days=14)), doc, None)
    assert [f.name for f in files] == ["volume.png", "time_to_resolve.png", "backlog_age.png", "sla_compliance.png"]
    for path in files:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000


def test_volume_series_fills_quiet_days_and_weeks_start_on_monday() -> None:
    period = Period(D, D + timedelta(days=14))
    daily = volume_series(FACTS, period)
    assert daily[0] == (D.date(), 1, 1) and len(daily) == 11  # 2 March … 12 March, quiet days as zeros
    assert sum(o for _d, o, _r in daily) == 4 and sum(r for _d, _o, r in daily) == 3
    weekly = volume_series(FACTS, period, "week")
    assert [d.weekday() for d, _o, _r in weekly] == [0, 0]
    assert age_buckets([0.5, 2, 2, 10, 45]) == {"< 1 day": 1, "1-3 days": 2, "3-7 days": 0, "7-30 days": 1,
                                                "30+ days": 1}
