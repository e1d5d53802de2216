"""Base model for every desk-file section: unknown keys are errors, loaded config is immutable."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from deskops.core.durations import parse_duration


class StrictModel(BaseModel):
    """A desk-file section: `extra="forbid"` so typos are caught, frozen so config never drifts."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _to_duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_to_duration)]
"""A duration written as `90s`, `30m`, `4h`, `2d`, `1h30m` or `PT4H` in the desk file."""
