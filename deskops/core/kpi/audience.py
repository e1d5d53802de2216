"""Who reads a report, and which of its figures each audience gets (no more).

Customers get their service figures per priority, never the desk's internal productivity
figures (reassignments, escalations, first-level resolution, per-group slices, backlog age).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Audience(StrEnum):
    """The readers of a report."""

    AGENT = "agent"
    LEAD = "lead"
    MANAGER = "manager"
    CUSTOMER = "customer"


_ALWAYS = ("period", "as_of", "opened", "resolved")
AUDIENCE_KEYS: dict[Audience, tuple[str, ...]] = {
    Audience.AGENT: (*_ALWAYS, "backlog_end", "backlog_age_days", "backlog_older_than", "backlog_age_threshold_days",
                     "time_to_acknowledge_hours", "unacknowledged", "sla", "by_priority", "series"),
    Audience.LEAD: (*_ALWAYS, "backlog_end", "backlog_age_days", "backlog_older_than", "backlog_age_threshold_days",
                    "time_to_acknowledge_hours", "unacknowledged", "time_to_resolve_hours", "reopen_rate",
                    "reassignments_mean", "reassigned_share", "reassigned_3plus_share", "escalated_share", "sla",
                    "by_priority", "by_group", "volume", "series", "workload"),
    Audience.MANAGER: (),  # everything
    Audience.CUSTOMER: (*_ALWAYS, "backlog_end", "time_to_resolve_hours", "reopen_rate", "sla", "by_priority",
                        "series"),
}
#: Measures kept inside the per-priority slices for customers.
CUSTOMER_SLICE_KEYS = ("opened", "resolved", "backlog_end", "time_to_resolve_hours", "reopen_rate")
_KEPT_ALWAYS = ("definitions", "filter", "database", "audience")


def for_audience(document: dict[str, Any], audience: Audience) -> dict[str, Any]:
    """Keep only what `audience` should read of a report's JSON document (definitions trimmed alike)."""
    keys = AUDIENCE_KEYS[audience]
    if not keys:
        return {**document, "audience": str(audience)}
    kept = {key: value for key, value in document.items() if key in keys or key in _KEPT_ALWAYS}
    kept["definitions"] = {k: v for k, v in document.get("definitions", {}).items() if k in keys}
    kept["audience"] = str(audience)
    if "series" in kept:
        kept["series"] = [{k: v for k, v in entry.items() if k in keys} for entry in kept["series"]]
    if audience is Audience.CUSTOMER:
        kept["by_priority"] = {
            name: {k: v for k, v in measures.items() if k in CUSTOMER_SLICE_KEYS}
            for name, measures in document.get("by_priority", {}).items()
        }
        kept.pop("database", None)
        if "sla" in kept:
            kept["sla"] = {k: v for k, v in kept["sla"].items() if k != "breached_events"}
    return kept
