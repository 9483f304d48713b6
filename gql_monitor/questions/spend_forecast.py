"""spend_forecast.sql: daily spend since the month's start (and the trailing days before it) per job, tag value and
in total, for the month-end forecast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class SpendForecastQuery(Question):
    statement = "spend_forecast"

    # Usage read: from the earlier of the month's start and the trailing days' start, to now.
    read: Window
    tag_key: str | None = None

    def params(self) -> dict[str, Any]:
        return {**self.read.usage_params(), "tag_key": self.tag_key, "job_keys": None, "run_keys": None}
