"""Fixtures for the Slack end-to-end tests: a running adapter against the fake Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.slack.harness import SlackHarness


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackHarness]:
    """The Slack adapter served over HTTP, a recording desk behind it, the fake Slack in front."""
    harness = SlackHarness(tmp_path)
    try:
        yield harness
    finally:
        harness.close()
