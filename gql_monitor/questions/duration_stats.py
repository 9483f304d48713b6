"""duration_stats.sql: per job, recent and baseline medians of successful runs' durations, and its running runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql_monitor.questions import Question, list_or_none
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class DurationSpans:
    """The baseline [start, recent_start) and the recent period [recent_start, end) a job's durations are judged
    in, and the ratio from which a recent run counts as slow (for when a regression began)."""

    start: datetime
    recent_start: datetime
    end: datetime
    regression_ratio: float


@dataclass(frozen=True)
class DurationStatsQuery(Question):
    statement = "duration_stats"

    spans: DurationSpans
    # None: every job.
    job_keys: tuple[JobKey, ...] | None = None

    def params(self) -> dict[str, Any]:
        spans = self.spans
        return {
            "job_keys": list_or_none(self.job_keys) if self.job_keys is not None else None,
            "recent_start": spans.recent_start,
            "regression_ratio": spans.regression_ratio,
            "run_keys": None,
            **Window(spans.start, spans.end).run_params(),
        }
