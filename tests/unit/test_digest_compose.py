"""Which figures each audience's digest shows, from a report document; and the desk file's digests section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deskops.bot.config_loader import ConfigError, load_config
from deskops.core.kpi.audience import Audience, for_audience
from deskops.core.kpi.digest import compose_digest

REPO = Path(__file__).resolve().parents[2]


def _summary(median: float) -> dict[str, Any]:
    return {"count": 4, "mean": median + 1, "median": median, "p90": median * 3}


CLOCK = {"met": 9, "breached": 1, "compliance": 0.9, "at_risk": {"50-75": 2, "75-90": 1, "90+": 0}}
DOCUMENT: dict[str, Any] = {
    "period": {"from": "2026-11-01T00:00:00Z", "to": "2026-11-08T00:00:00Z"}, "as_of": "2026-11-08T00:00:00Z",
    "opened": 12, "resolved": 10, "backlog_end": 5, "unacknowledged": 2, "backlog_age_days": _summary(2.0),
    "backlog_older_than": 1, "backlog_age_threshold_days": 7.0, "time_to_acknowledge_hours": _summary(0.5),
    "time_to_resolve_hours": {"gross": _summary(6.0), "net": _summary(5.0)}, "reopen_rate": 0.1,
    "reopened_share_of_opened": 0.0, "reassignments_mean": 1.25, "reassigned_share": 0.5,
    "reassigned_3plus_share": 0.25, "escalated_share": 0.2, "first_level_resolution": 0.6,
    "first_contact_resolution": 0.5, "volume": {"by_channel": {}, "by_category": {}}, "workload": {},
    "sla": {"clocks": {"resolution": CLOCK}, "by_priority": {"P1": {"resolution": CLOCK}},
            "breached_events": {"resolution": 1}, "definition": "", "note": None},
    "by_priority": {"P1": {"opened": 12, "resolved": 10, "backlog_end": 5, "reassignments_mean": 1.25,
                           "time_to_resolve_hours": {"gross": _summary(6.0), "net": _summary(5.0)}}},
    "by_group": {"service-desk": {"opened": 12}}, "definitions": {},
    "series": [{"backlog_end": 3}, {"backlog_end": 4}, {"backlog_end": 5}],
}  # fmt: skip


def _digest(audience: Audience, **kwargs: Any) -> Any:
    return compose_digest(for_audience(DOCUMENT, audience), audience, **kwargs)


def test_manager_gets_compliance_mttr_fcr_and_backlog_trend() -> None:
    figures = dict(_digest(Audience.MANAGER).figures)
    assert figures["SLA compliance"] == "resolution 90.0 % (9 met, 1 breached)"
    assert figures["MTTR (gross)"] == "median 6.0 h, p90 18.0 h (n=4)"
    assert figures["First-contact resolution"] == "50.0 %"
    assert figures["Backlog trend"] == "3 → 5 (+2)"


def test_lead_gets_intake_breaches_risk_and_ping_pong_with_the_tickets_at_risk() -> None:
    digest = _digest(Audience.LEAD, at_risk=["INC-1 P1 printer"], at_risk_total=3)
    figures = dict(digest.figures)
    assert (figures["Intake (opened)"], figures["SLA breaches"]) == ("12", "1")
    assert figures["SLA clocks at risk"] == "2 at 50-75 %, 1 at 75-90 %"
    assert figures["Ping-pong (3+ reassignments)"] == "25.0 %"
    assert digest.at_risk == ("INC-1 P1 printer", "… and 2 more")
    assert "At risk:\n  INC-1 P1 printer" in digest.text()


def test_agent_gets_the_queue_not_the_managers_figures() -> None:
    figures = dict(_digest(Audience.AGENT, at_risk=["INC-2"], at_risk_total=1).figures)
    assert (figures["Open in queue"], figures["Not yet acknowledged"]) == ("5", "2")
    assert "MTTR (gross)" not in figures and "Ping-pong (3+ reassignments)" not in figures


def test_customer_gets_sla_per_priority_without_internal_figures_or_ticket_lists() -> None:
    digest = _digest(Audience.CUSTOMER, at_risk=["INC-3 internal note"], at_risk_total=1)
    text = digest.text()
    assert dict(digest.figures)["P1 SLA"] == "resolution 90.0 % (9 met, 1 breached)"
    for internal in ("Ping-pong", "eassign", "First-contact", "INC-3", "queue", "1.25"):
        assert internal not in text
    assert digest.at_risk == ()


def _desk_with(tmp_path: Path, digests: str) -> Path:
    path = tmp_path / "desk.yaml"
    path.write_text((REPO / "config" / "desk.yaml").read_text().replace("\ndigests:\n", f"\ndigests:\n{digests}\n"))
    return path


@pytest.mark.parametrize(("entry", "message"), [
    ('  x: {cron: "0 25 * * *", to: carol, audience: manager}', "hour"),
    ('  x: {cron: "0 8 * * *", to: mallory, audience: manager}', "unknown person 'mallory'"),
    ('  x: {cron: "0 8 * * *", to: "group:nope", audience: lead}', "unknown group 'nope'"),
    ('  x: {cron: "0 8 * * *", timezone: Mars/Base, to: carol, audience: lead}', "unknown time zone"),
    ('  x: {cron: "0 8 * * *", to: carol, audience: ceo}', "audience"),
])  # fmt: skip
def test_broken_digest_entries_are_refused_naming_the_problem(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_desk_with(tmp_path, entry))


def test_the_example_desk_file_has_working_digests() -> None:
    config = load_config(REPO / "config" / "desk.yaml")
    assert {d.audience for d in config.digests.values()} >= {"manager", "lead"}


def test_process_findings_reach_managers_only() -> None:
    finding = "[category reassignments] Category 53 is reassigned 48 % of the time against 20 % desk-wide"
    manager = _digest(Audience.MANAGER, findings=[finding])
    assert manager.findings == (finding,)
    assert "Where the process should change:" in manager.text() and finding in manager.text()
    for audience in (Audience.AGENT, Audience.LEAD, Audience.CUSTOMER):
        other = _digest(audience, findings=[finding])
        assert other.findings == () and finding not in other.text()
