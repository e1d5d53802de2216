"""PNG charts of a plan (matplotlib, Agg backend): forecast vs actual, requirement vs rostered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, ax: Any, path: Path, title: str, ylabel: str, starts: Sequence[datetime]) -> Path:
    if starts and starts[0].tzinfo is not None:
        ax.xaxis_date(starts[0].tzinfo)  # label the axis in the zone the times are given in
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper right")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def forecast_chart(path: Path, starts: Sequence[datetime], actual: Sequence[float] | None,
                   forecasts: Mapping[str, Sequence[float]], title: str) -> Path:
    """Plot one or more forecasts (and the actuals, when known) over the same interval starts."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(14, 4.5))
    if actual is not None:
        ax.plot(starts, actual, color="black", linewidth=1.2, label="actual")
    for name, values in forecasts.items():
        ax.plot(starts, values, linewidth=1.0, label=name)
    return _save(plt, fig, ax, path, title, "arrivals per interval", starts)


def coverage_chart(path: Path, starts: Sequence[datetime], required: Sequence[int], rostered: Sequence[int],
                   title: str) -> Path:
    """Step plot of heads required vs rostered per interval, with each shortfall drawn as a red bar."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(14, 4.5))
    ax.step(starts, required, where="post", color="tab:red", label="required")
    ax.step(starts, rostered, where="post", color="tab:blue", label="rostered")
    gaps = [i for i, (r, h) in enumerate(zip(required, rostered, strict=True)) if r > h]
    if gaps:
        width = starts[1] - starts[0] if len(starts) > 1 else None
        ax.bar([starts[i] for i in gaps], [required[i] - rostered[i] for i in gaps],
               bottom=[rostered[i] for i in gaps], width=width, align="edge", color="tab:red", alpha=0.35,
               label="uncovered")
    return _save(plt, fig, ax, path, title, "people", starts)
