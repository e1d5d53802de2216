"""The process map on the real UCI incident log: the ten most frequent variants and where the time goes.

The expected figures are computed here with pandas straight from the file (rows of an incident ordered by
`sys_mod_count`, states mapped as in SOURCE.md, repeats collapsed; a ticket is opened as `new`, so a path
whose first row is not New starts with `new`), independently of the importer and of deskops.core.process.
A slice runs every time; the whole file runs in the slow run.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app
from tests.integration.test_import_uci import uci_slice  # noqa: F401  (the first 400 incidents, as a fixture)

STATES = {
    "New": "new", "Active": "in_progress", "Resolved": "resolved", "Closed": "closed",
    "Awaiting User Info": "pending", "Awaiting Vendor": "pending", "Awaiting Problem": "pending",
    "Awaiting Evidence": "pending",
}  # fmt: skip
OPEN_STATES = ("new", "in_progress", "pending")


def _zip(shared_data: Path) -> Path:
    return shared_data / "uci-incident-event-log" / "incident_event_log.zip"


def recipe(csv_source: Path | zipfile.ZipFile) -> tuple[Counter[tuple[str, ...]], dict[str, float]]:
    """Variant counts and gross hours per open state, computed with pandas from the raw rows."""
    import pandas as pd

    columns = ["number", "incident_state", "sys_mod_count", "sys_updated_at", "opened_at"]
    raw = csv_source.open("incident_event_log.csv") if isinstance(csv_source, zipfile.ZipFile) else csv_source
    frame = pd.read_csv(raw, usecols=columns)
    frame = frame[frame.incident_state.isin(STATES)].copy()
    frame["state"] = frame.incident_state.map(STATES)
    for column in ("sys_updated_at", "opened_at"):
        frame[column] = pd.to_datetime(frame[column], format="%d/%m/%Y %H:%M")
    frame = frame.sort_values(["number", "sys_mod_count", "sys_updated_at"], kind="stable")
    variants: Counter[tuple[str, ...]] = Counter()
    hours = dict.fromkeys(OPEN_STATES, 0.0)
    for _number, rows in frame.groupby("number", sort=False):
        path, since = ["new"], rows.opened_at.iloc[-1]
        for state, at in zip(rows.state, rows.sys_updated_at, strict=True):
            if state != path[-1]:
                if path[-1] in hours:
                    hours[path[-1]] += max((at - since).total_seconds(), 0.0) / 3600
                path.append(state)
                since = at
        variants[tuple(path)] += 1
    return variants, hours


def _map(db: Path, source: Path) -> dict:
    env = {"DESKOPS_DATABASE_URL": f"sqlite:///{db}", "DESKOPS_CONFIG": str(db.parent / "none.yaml")}
    runner = CliRunner()
    imported = runner.invoke(app, ["import", str(source), "--format", "uci", "--json"], env=env)
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["process", "map", "--json", "--to", "2017-12-31"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _check(document: dict, variants: Counter[tuple[str, ...]], hours: dict[str, float]) -> None:
    ours = [(tuple(v["path"]), v["tickets"]) for v in document["state_variants"]]
    top = sorted(variants.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert ours == top
    assert document["tickets"] == sum(variants.values())
    measured = {row["name"]: row["total_hours"] for row in document["states"] if row["name"] in OPEN_STATES}
    assert measured == pytest.approx(hours, rel=0.01)
    assert document["bottleneck_state"] == max(hours, key=lambda state: hours[state])


def test_slice_variants_and_bottleneck_match_the_recipe(uci_slice: Path, tmp_path: Path) -> None:  # noqa: F811
    document = _map(tmp_path / "slice.db", uci_slice)
    variants, hours = recipe(uci_slice)
    _check(document, variants, hours)


@pytest.mark.slow
def test_whole_log_ten_variants_and_where_the_time_goes(shared_data: Path, tmp_path: Path) -> None:
    document = _map(tmp_path / "whole.db", _zip(shared_data))
    with zipfile.ZipFile(_zip(shared_data)) as archive:
        variants, hours = recipe(archive)
    _check(document, variants, hours)
    assert document["tickets"] == 24_918
