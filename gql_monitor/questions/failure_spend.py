"""failure_spend.sql: spend on failed runs, retries and repairs, per job, over the runs that started in a window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import Window, hour_floor


@dataclass(frozen=True)
class FailureSpendQuery(Question):
    statement = "failure_spend"

    window: Window
    now: datetime

    def params(self) -> dict[str, Any]:
        # The runs' usage lies from the hour the window starts to now (as Run.cost reads it).
        usage = Window(hour_floor(self.window.start), self.now + timedelta(hours=1))
        return {**self.window.run_params(), **usage.usage_params(), "job_keys": None, "run_keys": None}
