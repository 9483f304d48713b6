"""cost_by_job.sql: jobs' spend in a window (usage carrying their job id)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import JobsInWindow


@dataclass(frozen=True)
class JobCostQuery(JobsInWindow, Question):
    statement = "cost_by_job"

    def params(self) -> dict[str, Any]:
        # _subject_costs.sql serves jobs and runs: the run subject is not asked here.
        return {"job_keys": list(self.job_keys), "run_keys": None, **self.window.usage_params()}
