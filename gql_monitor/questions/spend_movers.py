"""spend_movers.sql: spend per job, tag value and in total in a period and the period of the same length before it,
for the biggest movers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class SpendMoversQuery(Question):
    statement = "spend_movers"

    previous: Window
    current: Window
    tag_key: str | None = None

    def params(self) -> dict[str, Any]:
        return {**Window(self.previous.start, self.current.end).usage_params(), "current_start": self.current.start,
                "tag_key": self.tag_key, "job_keys": None, "run_keys": None}
