"""sla_runs.sql: per job with an SLA target, its breaching runs and its runs in progress in a window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class JobTarget:
    """A job and its SLA target in whole seconds."""

    job: JobKey
    seconds: int


@dataclass(frozen=True)
class SlaRunsQuery(Question):
    statement = "sla_runs"

    targets: tuple[JobTarget, ...]
    window: Window

    def params(self) -> dict[str, Any]:
        return {
            "job_keys": [target.job for target in self.targets],
            "sla_seconds": [target.seconds for target in self.targets],
            "run_keys": None,
            **self.window.run_params(),
        }
