"""Summaries of long-tailed samples: mean, median and p90 side by side."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict


class Summary(BaseModel):
    """Mean, median and 90th percentile of a sample (None for an empty sample), and its size."""

    model_config = ConfigDict(frozen=True)

    count: int
    mean: float | None
    median: float | None
    p90: float | None


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of an ascending sample by linear interpolation between ranks (numpy's default)."""
    if not ordered:
        raise ValueError("the quantile of an empty sample is undefined")
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: Sequence[float]) -> Summary:
    """Summarize `values` (any order); an empty sample gives None figures rather than zeros."""
    if not values:
        return Summary(count=0, mean=None, median=None, p90=None)
    ordered = sorted(values)
    return Summary(
        count=len(ordered),
        mean=math.fsum(ordered) / len(ordered),
        median=quantile(ordered, 0.5),
        p90=quantile(ordered, 0.9),
    )
