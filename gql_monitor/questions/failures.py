"""failures.sql: failed runs in a window grouped by termination code and by termination type, with each group's
jobs with the most failures and its newest failed runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import Window

# How many jobs (most failures first) and runs (newest first) each group names.
TOP_JOBS = 5
RECENT_RUNS = 5


@dataclass(frozen=True)
class FailuresQuery(Question):
    statement = "failures"

    window: Window

    def params(self) -> dict[str, Any]:
        return {"top_jobs": TOP_JOBS, "recent_runs": RECENT_RUNS, "run_keys": None,
                "job_keys": None, **self.window.run_params()}
