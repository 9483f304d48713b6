"""job_tasks.sql: the tasks of jobs' current definitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.keys import JobKey


@dataclass(frozen=True)
class JobTasksQuery(Question):
    statement = "job_tasks"

    job_keys: tuple[JobKey, ...]

    def params(self) -> dict[str, Any]:
        return {"job_keys": list(self.job_keys)}
