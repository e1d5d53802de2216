"""The whole desk file: one root model whose sections live in their own modules.

Cross-references (every group, calendar, schedule named exists; every priority has targets) are
checked once here at load, so the rest of the code can trust a loaded `DeskConfig`.
"""

from __future__ import annotations

from deskops.core.config.base import StrictModel
from deskops.core.config.calendars import CalendarConfig
from deskops.core.config.oncall import ScheduleConfig


class DeskConfig(StrictModel):
    """The root of `config/desk.yaml`."""

    name: str = "DeskOps"
    calendars: dict[str, CalendarConfig] = {}
    schedules: dict[str, ScheduleConfig] = {}
