"""cost_anomalies.sql: runs costing more than a factor times the p90 of their job's other runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gql_monitor.questions import Question, list_or_none
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.windows import Window, hour_floor


@dataclass(frozen=True)
class CostAnomalyRule:
    """The thresholds of the rule (settings cost_anomaly_*)."""

    factor: float
    min_runs: int


@dataclass(frozen=True)
class CostAnomalyQuery(Question):
    """Anomalies among the runs that started in `window`, judged against the runs that started from `baseline_start`
    (at or before the window's start) to its end; `job_keys` empty: every job."""

    statement = "cost_anomalies"

    window: Window
    baseline_start: datetime
    now: datetime
    rule: CostAnomalyRule
    job_keys: tuple[JobKey, ...] = ()

    def params(self) -> dict[str, Any]:
        baseline = Window(min(self.baseline_start, self.window.start), self.window.end)
        # Runs' usage lies from the hour the earliest of them started to now (as Run.cost reads it).
        usage = Window(hour_floor(baseline.start), self.now + timedelta(hours=1))
        return {
            **baseline.run_params(),
            **usage.usage_params(),
            "judged_start": self.window.start,
            "factor": self.rule.factor,
            "min_runs": self.rule.min_runs,
            "job_keys": list_or_none(self.job_keys),
            "run_keys": None,
        }
