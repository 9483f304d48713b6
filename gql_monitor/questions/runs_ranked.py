"""runs_ranked.sql: a page of runs across jobs, the longest or the most expensive first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from gql_monitor.questions.runs import RunsQuery
from gql_monitor.questions.windows import run_usage_span

RankedRunSort = Literal["DURATION", "COST"]


@dataclass(frozen=True)
class RankedRunsQuery(RunsQuery):
    statement = "runs_ranked"

    order_by: RankedRunSort = "DURATION"
    # The cursor's rank value (a decimal as text; None when the cursor's run had none, or without a cursor).
    after_rank: str | None = None
    # The tables' "now": runs' usage is read up to its hour for the COST order (None: the window's end).
    now: datetime | None = None

    def params(self) -> dict[str, Any]:
        params = super().params()
        # Across jobs only: a ranked page is never cut per job.
        del params["per_job"]
        return {
            **params,
            **run_usage_span(self.window.start, self.now or self.window.end).usage_params(),
            "order_by": self.order_by,
            "after_rank": self.after_rank,
        }
