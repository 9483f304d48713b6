"""run_page_task_runs.sql: the task runs of the runs one runs page holds, asked with the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.runs import RunsQuery


@dataclass(frozen=True)
class RunPageTaskRunsQuery(Question):
    statement = "run_page_task_runs"

    page: RunsQuery

    def params(self) -> dict[str, Any]:
        return self.page.params()
