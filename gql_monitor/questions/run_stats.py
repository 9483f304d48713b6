"""run_stats.sql: per job, run counts by result state and duration percentiles in a window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import JobsInWindow


@dataclass(frozen=True)
class RunStatsQuery(JobsInWindow, Question):
    statement = "run_stats"

    def params(self) -> dict[str, Any]:
        return {"job_keys": list(self.job_keys), "run_keys": None, **self.window.run_params()}
