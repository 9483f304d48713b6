"""cost_by_run.sql: runs' spend (usage carrying their job_run_id), read from the earliest run's hour on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.keys import RunRef
from gql_monitor.questions.windows import runs_usage_span


@dataclass(frozen=True)
class RunsByRef(Question):
    """A question about runs by key: their usage lies between the earliest run's start and the tables' `now`."""

    runs: tuple[RunRef, ...]
    now: datetime

    def params(self) -> dict[str, Any]:
        return {"run_keys": [run.key for run in self.runs], "job_keys": None,
                **runs_usage_span(self.runs, self.now).usage_params()}


@dataclass(frozen=True)
class RunCostQuery(RunsByRef):
    statement = "cost_by_run"
