"""schedule_runs.sql: scheduled jobs' pause history and schedule, their cron-triggered runs' starts, and how far
the run timeline has caught up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gql_monitor.questions import Question, list_or_none
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.windows import RUN_LOOKBACK, Window

# Runs are read this far either side of the window: a fire just inside the window may be served by a run that
# starts after it ends (a late start), and the fire before the window start bounds the first fire's candidates.
RUN_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class ScheduleRunsQuery(Question):
    statement = "schedule_runs"

    window: Window
    # None: every job with a schedule.
    job_keys: tuple[JobKey, ...] | None = None

    def params(self) -> dict[str, Any]:
        runs_from = self.window.start - RUN_MARGIN
        return {
            "job_keys": list_or_none(self.job_keys) if self.job_keys is not None else None,
            "runs_from": runs_from,
            "runs_until": self.window.end + RUN_MARGIN,
            "lookback_start": runs_from - RUN_LOOKBACK,
        }
