"""job_health.sql: each job's failures and success rates as of `now`, for given jobs or every job that ran."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gql_monitor.questions import Question, list_or_none
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.windows import Window

# Health looks at the runs that started in the last 30 days (the longer success rate, and how far back a failure
# streak and the last success are looked for) and judges by the last 7.
HEALTH_WINDOW = timedelta(days=30)
HEALTH_RECENT = timedelta(days=7)


def health_params(now: datetime) -> dict[str, Any]:
    """The windows of `_job_health.sql`, ending at `now`. The runs it reads (`_run_rollup.sql`'s window) may cover
    more, for a statement that also ranks by another window (jobs_ranked.sql): health keeps to its own."""
    health = Window(now - HEALTH_WINDOW, now)
    return {**health.run_params(), "health_start": health.start, "health_end": health.end,
            "week_start": now - HEALTH_RECENT, "run_keys": None}


@dataclass(frozen=True)
class JobHealthQuery(Question):
    statement = "job_health"

    now: datetime
    # None: every job with a finished run in the window (the account-wide form the alerts read).
    job_keys: tuple[JobKey, ...] | None = None

    def params(self) -> dict[str, Any]:
        return {"job_keys": list_or_none(self.job_keys), **health_params(self.now)}
