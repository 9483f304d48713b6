"""jobs_ranked.sql: a page of jobs ordered by health, spend or last run, or filtered by priority."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gql_monitor.questions import list_or_none
from gql_monitor.questions.job_health import HEALTH_WINDOW, health_params
from gql_monitor.questions.jobs import JobsQuery
from gql_monitor.questions.windows import Window

RankedJobSort = Literal["NAME", "ID", "PRIORITY", "FAILURE_STREAK", "SUCCESS_RATE", "COST", "LAST_RUN", "DURATION"]
# Spend and durations are ranked over the last 30 days unless a window is given, as `Job.cost` and `Job.runStats`
# default to.
RANK_WINDOW = HEALTH_WINDOW


@dataclass(frozen=True)
class PriorityRule:
    """The health rule's thresholds (settings GQL_MONITOR_HEALTH_*; insights/health.py judges by the same)."""

    p1_failure_streak: int
    p2_success_rate: float
    p3_success_rate: float
    min_finished_runs: int
    min_failed_runs: int


@dataclass(frozen=True)
class RankedJobsQuery(JobsQuery):
    statement = "jobs_ranked"

    order_by: RankedJobSort = "PRIORITY"  # type: ignore[assignment]
    rule: PriorityRule = PriorityRule(3, 0.8, 0.85, 5, 2)
    # Only jobs of these priorities (P1, P2, P3, HEALTHY); empty: every job.
    priorities: tuple[str, ...] = ()
    # The window COST and DURATION rank by; None: the last RANK_WINDOW up to `now`.
    rank_window: Window | None = None

    def params(self) -> dict[str, Any]:
        rule = self.rule
        ranked_by = self.rank_window or Window(self.now - RANK_WINDOW, self.now)
        health = health_params(self.now)
        runs = Window(health["health_start"], health["health_end"])
        if self.order_by == "DURATION":
            # One rollup of runs serves health and the durations: it covers both windows.
            runs = Window(min(runs.start, ranked_by.start), max(runs.end, ranked_by.end))
        return {
            **super().params(),
            **health,
            **runs.run_params(),
            **ranked_by.usage_params(),
            "rank_start": ranked_by.start,
            "rank_end": ranked_by.end,
            "p1_failure_streak": rule.p1_failure_streak,
            "p2_success_rate": rule.p2_success_rate,
            "p3_success_rate": rule.p3_success_rate,
            "min_finished_runs": rule.min_finished_runs,
            "min_failed_runs": rule.min_failed_runs,
            "priorities": list_or_none(self.priorities),
        }
