"""cost_by_run_attempt.sql: runs' spend split among their attempts (original execution and repairs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gql_monitor.questions.cost_by_run import RunsByRef
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class RunAttemptCostQuery(RunsByRef):
    statement = "cost_by_run_attempt"

    def params(self) -> dict[str, Any]:
        params = super().params()
        start = params["usage_start"]
        runs = Window(start, self.now + timedelta(days=1)).run_params()
        # The runs are asked for by key and none started before `start`: nothing to look back for.
        return {**params, **runs, "lookback_start": start}
