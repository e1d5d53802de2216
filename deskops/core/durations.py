"""Parse and format durations as written in the desk file and on the command line."""

from __future__ import annotations

import re
from datetime import timedelta

_COMPACT = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?!s))?(?:(?P<s>\d+)s)?$")
_ISO = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `30m`, `4h`, `2d`, `1h30m` or ISO-8601 `PT4H`/`P1DT2H` into a timedelta."""
    raw = text.strip()
    if not raw:
        raise ValueError("empty duration; write e.g. 30m, 4h, 1h30m or PT4H")
    match = _ISO.match(raw.upper()) if raw.upper().startswith("P") else _COMPACT.match(raw.lower())
    if match is None or not any(match.groupdict().values()) or raw.upper() in {"P", "PT"}:
        raise ValueError(f"bad duration {text!r}; write e.g. 90s, 30m, 4h, 2d, 1h30m or PT4H")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(
        weeks=parts.get("w", 0),
        days=parts.get("d", 0),
        hours=parts.get("h", 0),
        minutes=parts.get("m", 0),
        seconds=parts.get("s", 0),
    )


def format_duration(delta: timedelta) -> str:
    """Format a timedelta compactly, e.g. `1d 2h 5m` or `-30m`; seconds shown only below a minute."""
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if seconds and not days and not hours:
        parts.append(f"{seconds}s")
    return sign + (" ".join(parts) if parts else "0m")
