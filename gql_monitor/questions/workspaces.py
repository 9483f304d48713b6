"""workspaces.sql: the account's workspaces and their names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question


@dataclass(frozen=True)
class WorkspacesQuery(Question):
    statement = "workspaces"

    def params(self) -> dict[str, Any]:
        return {}
