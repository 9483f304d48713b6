"""data_quality.sql: the jobs seen in a window that the jobs table or billing do not cover."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class DataQualityQuery(Question):
    statement = "data_quality"

    window: Window

    def params(self) -> dict[str, Any]:
        # _task_activity.sql reads every job's task runs here.
        return {"job_keys": None, "run_keys": None, **self.window.usage_params()}
