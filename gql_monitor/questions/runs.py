"""runs.sql: a page of runs, newest first: across jobs, the first N of each of several jobs, or runs by key.
run_page_details.sql answers the same page together with what its look-ahead asks about its runs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from gql_monitor.questions import Question, list_or_none
from gql_monitor.questions.keys import JobKey, RunKey
from gql_monitor.questions.windows import RETENTION, Window


@dataclass(frozen=True)
class RunFilterTerms:
    """What a run must be to pass; each term's default passes every run. Lists match any of their values."""

    workspace_id: str | None = None
    job_keys: tuple[JobKey, ...] | None = None
    result_states: tuple[str, ...] = ()
    termination_codes: tuple[str, ...] = ()
    trigger_types: tuple[str, ...] = ()
    run_types: tuple[str, ...] = ()
    min_duration_seconds: int | None = None
    in_progress: bool | None = None


@dataclass(frozen=True)
class RunCursor:
    """Where a page ends: the last run's start and key (runs sort by both, descending)."""

    start: datetime
    run_key: str


@dataclass(frozen=True)
class RunsQuery(Question):
    statement = "runs"

    window: Window
    limit: int
    filter: RunFilterTerms = RunFilterTerms()
    after: RunCursor | None = None
    run_keys: tuple[RunKey, ...] | None = None
    # The first `limit` runs of each job in `filter.job_keys`, instead of `limit` runs in all.
    per_job: bool = False

    @classmethod
    def by_keys(cls, keys: list[RunKey], now: datetime) -> "RunsQuery":
        """The runs with these keys, wherever they are in retention (a run starting now included)."""
        return cls(window=Window(now - RETENTION, now + timedelta(days=1)), limit=len(keys), run_keys=tuple(keys))

    def of_jobs(self, job_keys: list[JobKey]) -> "RunsQuery":
        """This page for each of these jobs."""
        return replace(self, filter=replace(self.filter, job_keys=tuple(job_keys)), per_job=True)

    def params(self) -> dict[str, Any]:
        terms = self.filter
        return {
            "workspace_id": terms.workspace_id,
            "job_keys": list_or_none(terms.job_keys),
            "run_keys": list_or_none(self.run_keys),
            "result_states": list_or_none(terms.result_states),
            "termination_codes": list_or_none(terms.termination_codes),
            "trigger_types": list_or_none(terms.trigger_types),
            "run_types": list_or_none(terms.run_types),
            "min_duration_seconds": terms.min_duration_seconds,
            "in_progress": terms.in_progress,
            "after_start": self.after.start if self.after else None,
            "after_key": self.after.run_key if self.after else None,
            "per_job": self.per_job,
            **self.window.run_params(),
            "limit": self.limit,
        }
