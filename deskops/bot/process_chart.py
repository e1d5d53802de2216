"""The process map as one PNG a manager reads at a glance: the main paths as flows, and where the time goes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskops.core.process.map import ProcessMap

SHOWN_VARIANTS = 8


def write_process_chart(path: Path, result: ProcessMap) -> Path:
    """Draw the most frequent state paths (boxes and arrows, tickets and median time) above state times."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = result.state_variants[:SHOWN_VARIANTS]
    widest = max((len(v.path) for v in variants), default=1)
    figure, (flows, times) = plt.subplots(
        2, 1, figsize=(max(10.0, 2.0 * widest + 3), 2.5 + 0.7 * len(variants) + 3.5),
        gridspec_kw={"height_ratios": [max(len(variants), 1), 3.5]},
    )  # fmt: skip
    palette = plt.get_cmap("tab10")
    states = sorted({state for v in variants for state in v.path})
    colour = {state: palette(i % 10) for i, state in enumerate(states)}
    for row, variant in enumerate(variants):
        y = len(variants) - row
        for step, state in enumerate(variant.path):
            x = 2.0 + step * 2.0
            flows.text(
                x,
                y,
                state.replace("_", " "),
                ha="center",
                va="center",
                fontsize=9,
                bbox={"boxstyle": "round", "facecolor": colour[state], "alpha": 0.35},
            )
            if step:
                flows.annotate("", xy=(x - 0.75, y), xytext=(x - 1.25, y), arrowprops={"arrowstyle": "->"})
        median = "-" if variant.median_hours is None else f"{variant.median_hours:,.0f} h"
        flows.text(
            0.0, y, f"{variant.tickets:,} ({variant.share:.0%})\nmedian {median}", ha="left", va="center", fontsize=8
        )
    flows.set_xlim(-0.2, 2.0 + 2.0 * widest)
    flows.set_ylim(0.3, len(variants) + 0.7)
    flows.axis("off")
    flows.set_title(f"The {len(variants)} most frequent paths of {result.tickets:,} tickets (tickets, share, median "
                    "time open → end)", loc="left")  # fmt: skip
    shown = result.states[:10]
    names = [figure.name.replace("_", " ") for figure in shown]
    times.barh(names, [figure.p90_hours for figure in shown], color="#c8d6e5", label="p90")
    times.barh(names, [figure.median_hours for figure in shown], color="#2e86de", label="median")
    times.invert_yaxis()
    times.set_xlabel("hours per stay")
    bottleneck = result.bottleneck_state or "-"
    share = next((f.share_of_time for f in shown if f.name == result.bottleneck_state), 0.0)
    times.set_title(
        f"Where the time goes: the bottleneck is '{bottleneck}' ({share:.0%} of all "
        "time in states; 'resolved' is time waiting to close)",
        loc="left",
    )
    times.legend(loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
