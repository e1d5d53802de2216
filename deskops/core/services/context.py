"""What every use case needs besides the store: the desk's people, groups, categories and matrix."""

from __future__ import annotations

from dataclasses import dataclass

from deskops.core.config.desk import DeskConfig
from deskops.core.directory import Directory
from deskops.core.priority import PriorityMatrix


@dataclass(frozen=True)
class Desk:
    """The loaded desk file, as lookups: built once by the composition root, shared by all calls."""

    config: DeskConfig
    directory: Directory
    priorities: PriorityMatrix

    @classmethod
    def from_config(cls, config: DeskConfig) -> Desk:
        """Build the lookups from a validated desk file."""
        return cls(config=config, directory=Directory(config), priorities=PriorityMatrix(config.priorities))
