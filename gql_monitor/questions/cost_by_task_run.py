"""cost_by_task_run.sql: the spend of job runs' task runs where a task run's compute was its own."""

from __future__ import annotations

from dataclasses import dataclass

from gql_monitor.questions.cost_by_run import RunsByRef


@dataclass(frozen=True)
class TaskRunCostQuery(RunsByRef):
    statement = "cost_by_task_run"
