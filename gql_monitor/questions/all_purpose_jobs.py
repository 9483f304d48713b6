"""all_purpose_jobs.sql: jobs whose task runs used all-purpose compute in a window (their spend names no job)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class AllPurposeJobsQuery(Question):
    statement = "all_purpose_jobs"

    window: Window

    def params(self) -> dict[str, Any]:
        return {**self.window.usage_params(), "job_keys": None, "run_keys": None}
