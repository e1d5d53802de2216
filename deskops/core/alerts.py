"""Alert intake formats: a generic JSON alert and the Prometheus Alertmanager webhook, read into
one `Alert` shape. Each alert is known by its fingerprint (given, or computed from its labels),
so the same alert posted again updates the incident it opened instead of opening another.

Generic format (one alert, or `{"alerts": [...]}`):
    {"fingerprint": "disk-db1", "status": "firing" | "resolved", "title": "Disk 95% on db1",
     "description": "...", "labels": {"host": "db1"}}
Alertmanager format (webhook_config, version 4): `{"version": "4", "status": ..., "alerts": [{"status",
"labels", "annotations": {"summary", "description"}, "fingerprint", "startsAt", "endsAt"}]}`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from deskops.core.errors import InvalidInput

MAX_ALERTS = 100
"""Most alerts one post may carry (Alertmanager groups alerts; `max_alerts` in its config)."""
STATUSES = ("firing", "resolved")


@dataclass(frozen=True)
class Alert:
    """One alert, whatever format it came in."""

    fingerprint: str
    status: str
    title: str
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)


def parse_generic(body: Any) -> list[Alert]:
    """Read the generic JSON format (one alert or a list under `alerts`)."""
    items = body.get("alerts") if isinstance(body, dict) and "alerts" in body else [body]
    alerts = []
    for index, item in enumerate(_items(items)):
        labels = _labels(item.get("labels"), index)
        title = _text(item.get("title") or item.get("summary"), f"alerts[{index}].title", required=True)
        alerts.append(Alert(
            fingerprint=_text(item.get("fingerprint"), "fingerprint") or fingerprint_of(labels or {"title": title}),
            status=_status(item.get("status", "firing"), index), title=title,
            description=_text(item.get("description"), "description", limit=10_000), labels=labels,
        ))  # fmt: skip
    return alerts


def parse_alertmanager(body: Any) -> list[Alert]:
    """Read an Alertmanager webhook post (version 4)."""
    if not isinstance(body, dict) or "alerts" not in body:
        raise InvalidInput("This is not an Alertmanager post (no `alerts` list).",
                           hint="Point Alertmanager's webhook_config at /alerts/alertmanager.")  # fmt: skip
    alerts = []
    for index, item in enumerate(_items(body["alerts"])):
        labels = _labels(item.get("labels"), index)
        raw_notes = item.get("annotations")
        notes: dict[str, Any] = raw_notes if isinstance(raw_notes, dict) else {}
        title = _text(notes.get("summary") or labels.get("alertname"), f"alerts[{index}].summary", required=True)
        instance = labels.get("instance")
        alerts.append(Alert(
            fingerprint=_text(item.get("fingerprint"), "fingerprint") or fingerprint_of(labels),
            status=_status(item.get("status", body.get("status", "firing")), index),
            title=f"{title} ({instance})" if instance and instance not in title else title,
            description=_text(notes.get("description"), "description", limit=10_000), labels=labels,
        ))  # fmt: skip
    return alerts


def fingerprint_of(labels: dict[str, str]) -> str:
    """A stable fingerprint of a label set (the same labels in any order give the same one)."""
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def _items(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput("`alerts` must be a list of objects.")
    if not items:
        raise InvalidInput("The post has no alert.")
    if len(items) > MAX_ALERTS:
        raise InvalidInput(f"{len(items)} alerts in one post; the limit is {MAX_ALERTS}.",
                           hint="Lower max_alerts in the sender's configuration.")  # fmt: skip
    return items


def _labels(value: Any, index: int) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"alerts[{index}].labels must be an object of strings.")
    return {str(k)[:128]: str(v)[:512] for k, v in value.items()}


def _status(value: Any, index: int) -> str:
    if value not in STATUSES:
        raise InvalidInput(f"alerts[{index}].status {value!r} is not firing or resolved.")
    return str(value)


def _text(value: Any, name: str, *, limit: int = 300, required: bool = False) -> str:
    text = str(value).strip() if value is not None else ""
    if required and not text:
        raise InvalidInput(f"{name} is missing.", hint="Give the alert a title (generic) or a summary annotation.")
    return text[:limit]
