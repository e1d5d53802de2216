"""Read the planning figures people write: shares (`30%`, `0.3`) and service-level targets (`80/20s`)."""

from __future__ import annotations

from fractions import Fraction

from deskops.core.durations import parse_duration


def parse_share(text: str) -> Fraction:
    """Parse `30%`, `30 %` or `0.3` into an exact fraction (3/10); refuse values outside 0 … 1."""
    raw = text.strip().replace(" ", "")
    try:
        share = Fraction(raw[:-1]) / 100 if raw.endswith("%") else Fraction(raw)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"bad share {text!r}; write a percentage like 30% or a fraction like 0.3") from exc
    if not 0 <= share <= 1:
        raise ValueError(f"share {text!r} is outside 0 % … 100 %")
    return share


def parse_service_level(text: str) -> tuple[Fraction, float]:
    """Parse `80/20s` (80 % answered within 20 s) into (4/5, 20.0); `80%/20s` and `0.8/PT20S` work too."""
    share_text, sep, time_text = text.strip().partition("/")
    if not sep:
        raise ValueError(f"bad service-level target {text!r}; write e.g. 80/20s (80 % answered within 20 s)")
    share_text = share_text.strip()
    if not share_text.endswith("%") and "." not in share_text:
        share_text += "%"
    share = parse_share(share_text)
    return share, parse_duration(time_text).total_seconds()
