"""task_runs.sql: the task runs of job runs, by key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.keys import RunRef

# A task run's first slice may start slightly before its job run's first slice is recorded.
TASK_START_SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class TaskRunsQuery(Question):
    statement = "task_runs"

    runs: tuple[RunRef, ...]

    def params(self) -> dict[str, Any]:
        return {"run_keys": [run.key for run in self.runs],
                "window_start": min(run.start for run in self.runs) - TASK_START_SLACK}
