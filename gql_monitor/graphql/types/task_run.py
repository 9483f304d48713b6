"""TaskRun: one run of one task of a job run."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.types.common import FAILED_STATES, Cost, CostAttribution, run_cost
from gql_monitor.loaders.live import HOME_WORKSPACE
from gql_monitor.questions.keys import JobKey

if TYPE_CHECKING:
    from gql_monitor.graphql.types.run import Run


@strawberry.type(description="A task run, from system.lakeflow.job_task_run_timeline.")
class TaskRun:
    id: strawberry.ID = strawberry.field(description="`<workspace id>:<task run id>`.")
    run_id: str = strawberry.field(description="The task run id within its workspace.")
    task_key: str = strawberry.field(description="The key of the task this is a run of.")
    start_time: datetime = strawberry.field(description="Start of the task run's first timeline slice (UTC).")
    end_time: datetime | None = strawberry.field(
        description="End of the task run's latest end row (UTC); null while in progress."
    )
    result_state: str | None = strawberry.field(
        description="Outcome from the latest end row, in the system tables' vocabulary (SUCCEEDED, FAILED, ERROR, "
        "TIMED_OUT, CANCELLED, ...); null while in progress."
    )
    termination_code: str | None = strawberry.field(
        description="Why the task run ended, from the latest end row, in the system tables' vocabulary; null while "
        "in progress."
    )
    termination_type: str | None = strawberry.field(
        description="Category of the termination code (SUCCESS, CLIENT_ERROR, INTERNAL_ERROR, CLOUD_FAILURE); null "
        "while in progress."
    )
    duration_seconds: int | None = strawberry.field(
        description="Seconds covered by the task run's timeline slices (so far, while in progress)."
    )
    compute_ids: list[str] = strawberry.field(
        description="Ids of the compute (clusters, SQL warehouses) the task run used, as the timeline records "
        "them; empty when none is recorded."
    )
    setup_duration_seconds: int | None = strawberry.field(
        description="Seconds spent setting up compute, from the latest end row; null while in progress or when not "
        "recorded."
    )
    execution_duration_seconds: int | None = strawberry.field(
        description="Seconds spent executing, from the latest end row; null while in progress or when not recorded."
    )
    cleanup_duration_seconds: int | None = strawberry.field(
        description="Seconds spent cleaning up, from the latest end row; null while in progress or when not "
        "recorded."
    )
    parent: strawberry.Private["Run"]
    workspace_id: strawberry.Private[str]
    job_id: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: dict, parent: "Run") -> "TaskRun":
        return cls(
            id=strawberry.ID(f"{row['workspace_id']}:{row['run_id']}"),
            run_id=row["run_id"],
            task_key=row["task_key"],
            start_time=row["start_time"],
            end_time=row["end_time"],
            result_state=row["result_state"],
            termination_code=row["termination_code"],
            termination_type=row["termination_type"],
            duration_seconds=row["active_seconds"],
            compute_ids=list(row["compute_ids"] or []),
            setup_duration_seconds=row["setup_duration_seconds"],
            execution_duration_seconds=row["execution_duration_seconds"],
            cleanup_duration_seconds=row["cleanup_duration_seconds"],
            parent=parent,
            workspace_id=row["workspace_id"],
            job_id=row["job_id"],
        )

    @strawberry.field(description="The job run this task run belongs to.")
    def run(self) -> Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")]:
        return self.parent

    @strawberry.field(description="Task keys this task depends on, from the job's current task definitions.")
    async def depends_on(self, info: Info) -> list[str]:
        tasks = await info.context.loaders.tasks_by_job.load(JobKey(f"{self.workspace_id}:{self.job_id}"))
        for task in tasks:
            if task["task_key"] == self.task_key:
                return list(task["depends_on_keys"] or [])
        return []

    @strawberry.field(description="Spend of this task run where it is attributable: usage on a cluster used by no "
                                  "other task of the run (attribution EXCLUSIVE_CLUSTER, also before it is billed); "
                                  "on an all-purpose cluster: attribution NOT_ATTRIBUTABLE. Null otherwise "
                                  "(serverless or shared compute: see the run's cost).")
    async def cost(self, info: Info) -> Cost | None:
        per_task = await info.context.loaders.cost_by_task_run.load(self.parent.ref)
        summary = per_task.of(self.run_id)
        if not (summary.exclusive_clusters or summary.all_purpose_task_runs or summary.by_sku):
            return None
        return run_cost(summary, CostAttribution.EXCLUSIVE_CLUSTER, self.start_time, self.end_time, info.context.now)

    @strawberry.field(description="The error of a failed task run, from the Jobs API's run output. Null for runs "
                                  "that did not fail or are outside this workspace.")
    async def error_message(self, info: Info) -> str | None:
        if self.result_state not in FAILED_STATES:
            return None
        if self.workspace_id != await info.context.loaders.home_workspace.load(HOME_WORKSPACE):
            return None
        output = await info.context.loaders.run_output.load(int(self.run_id))
        return (output or {}).get("error") or None
