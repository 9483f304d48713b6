"""Run: one job run, assembled from the run timeline, with live fields from the Jobs API on demand."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import encode_cursor
from gql_monitor.graphql.types.durations import DurationOutlier, resolve_outlier
from gql_monitor.graphql.types.workspace import page_url
from gql_monitor.loaders.live import HOME_WORKSPACE
from gql_monitor.questions.keys import JobKey, RunKey, RunRef
from gql_monitor.graphql.types.common import (
    Cost,
    CostAttribution,
    Tag,
    from_epoch_ms,
    run_cost,
    tags_from_map,
)

if TYPE_CHECKING:
    from gql_monitor.graphql.types.job import Job
    from gql_monitor.graphql.types.run_attempt import RunAttempt
    from gql_monitor.graphql.types.task_run import TaskRun


@strawberry.type(description="One attempt in a run's repair history (Jobs API).")
class RepairAttempt:
    type: str = strawberry.field(description="ORIGINAL or REPAIR.")
    id: str | None = strawberry.field(
        description="The id the Jobs API gives the attempt (a REPAIR's repair id); null when it gives none."
    )
    start_time: datetime | None = strawberry.field(description="When the attempt started (UTC); null if not reported.")
    end_time: datetime | None = strawberry.field(
        description="When the attempt ended (UTC); null while it runs or if not reported."
    )
    result_state: str | None = strawberry.field(description="In the Jobs API's vocabulary (SUCCESS, FAILED, ...).")


@strawberry.type(description="What the Jobs API says about a run now. Only for runs of the workspace the monitor "
                             "is deployed in; other workspaces' runs have no live fields.")
class RunLive:
    life_cycle_state: str | None = strawberry.field(description="QUEUED, PENDING, RUNNING, TERMINATED, ...")
    result_state: str | None = strawberry.field(description="In the Jobs API's vocabulary (SUCCESS, FAILED, ...).")
    state_message: str | None = strawberry.field(description="The run's state message: for a failed run, its error.")
    termination_code: str | None = strawberry.field(
        description="Why the run ended, in the Jobs API's vocabulary (e.g. SUCCESS, RUN_EXECUTION_ERROR); null "
        "until the run terminates."
    )
    termination_message: str | None = strawberry.field(
        description="The Jobs API's explanation of the termination code; null when it gives none."
    )
    run_page_url: str | None = strawberry.field(description="The run's page in the Databricks UI (logs, output).")
    attempt_number: int | None = strawberry.field(
        description="Which attempt this run is: 0 for the first, counting up for each automatic retry."
    )
    repair_history: list[RepairAttempt] = strawberry.field(
        description="The original attempt and each repair, in the Jobs API's order; empty when the API gives none."
    )

    @classmethod
    def from_api(cls, run: dict) -> "RunLive":
        state = run.get("state") or {}
        details = (run.get("status") or {}).get("termination_details") or {}
        return cls(
            life_cycle_state=state.get("life_cycle_state"),
            result_state=state.get("result_state"),
            state_message=state.get("state_message") or None,
            termination_code=details.get("code"),
            termination_message=details.get("message") or None,
            run_page_url=run.get("run_page_url"),
            attempt_number=run.get("attempt_number"),
            repair_history=[
                RepairAttempt(
                    type=item.get("type", ""),
                    id=str(item["id"]) if item.get("id") is not None else None,
                    start_time=from_epoch_ms(item.get("start_time")),
                    end_time=from_epoch_ms(item.get("end_time")),
                    result_state=(item.get("state") or {}).get("result_state"),
                )
                for item in run.get("repair_history") or []
            ],
        )


@strawberry.type(description="A job run. Table-backed fields come from system.lakeflow.job_run_timeline (minutes "
                             "behind); `live` asks the Jobs API.")
class Run:
    id: strawberry.ID = strawberry.field(description="`<workspace id>:<run id>`, unique across workspaces.")
    run_id: str = strawberry.field(description="The run id within its workspace.")
    workspace_id: str = strawberry.field(description="The id of the workspace the run belongs to.")
    job_id: strawberry.ID = strawberry.field(description="The job's id, `<workspace id>:<job id>`.")
    run_name: str | None = strawberry.field(description="The run's name from the timeline; null when not recorded.")
    result_state: str | None = strawberry.field(
        description="Outcome from the latest end row (SUCCEEDED, FAILED, ERROR, ...); null while in progress."
    )
    termination_code: str | None = strawberry.field(
        description="Why the run ended, from the latest end row, in the system tables' vocabulary (e.g. SUCCESS, "
        "RUN_EXECUTION_ERROR); null while in progress."
    )
    termination_type: str | None = strawberry.field(
        description="Category of the termination code (SUCCESS, CLIENT_ERROR, INTERNAL_ERROR, CLOUD_FAILURE), from "
        "the latest end row; null while in progress."
    )
    trigger_type: str | None = strawberry.field(
        description="How the run was triggered, in the system tables' vocabulary (see TriggerType); null when not "
        "recorded."
    )
    run_type: str | None = strawberry.field(
        description="JOB_RUN, SUBMIT_RUN or WORKFLOW_RUN (see RunType); null when not recorded."
    )
    start_time: datetime = strawberry.field(description="Start of the run's first timeline slice (UTC).")
    end_time: datetime | None = strawberry.field(
        description="End of the latest attempt's end row; null while in progress."
    )
    in_progress: bool = strawberry.field(
        description="The latest attempt has no end row yet (running, being repaired, or the tables have not caught "
        "up)."
    )
    duration_seconds: int | None = strawberry.field(
        description="Time the run spent running: the sum of its attempts' durations (each run_duration_seconds when "
        "recorded, else the sum of its slices), without the waits between a failure and its repair."
    )
    wall_time_seconds: int | None = strawberry.field(
        description="From the run's start to the end of its latest attempt, waits before repairs included; null "
        "while in progress."
    )
    queue_duration_seconds: int | None = strawberry.field(
        description="Seconds spent queued, from the latest end row; null while in progress or when not recorded."
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
    repair_count: int = strawberry.field(description="How many times the run was repaired (attempts minus one).")
    job_parameters: list[Tag] = strawberry.field(
        description="The run's job parameters (name/value), from the latest end row, sorted by name; empty while in "
        "progress."
    )
    compute_ids: list[str] = strawberry.field(
        description="Ids of the compute (clusters, SQL warehouses) the run used, from the latest end row; empty "
        "while in progress or when none is recorded."
    )
    attempt_rows: strawberry.Private[list]
    cursor: strawberry.Private[str]
    # What Job.runs's page answered about all its runs when cost or tasks were selected (loaders/runs.py, RunPage):
    # SubjectCosts by run id, {run id: task run rows}.
    prefetched_cost: strawberry.Private[object] = None
    prefetched_tasks: strawberry.Private[object] = None

    @classmethod
    def from_row(cls, row: dict, *, prefetched_cost=None, prefetched_tasks=None) -> "Run":
        ended = row["end_time"] is not None
        return cls(
            id=strawberry.ID(row["run_key"] if "run_key" in row else f"{row['workspace_id']}:{row['run_id']}"),
            run_id=row["run_id"],
            workspace_id=row["workspace_id"],
            job_id=strawberry.ID(f"{row['workspace_id']}:{row['job_id']}"),
            run_name=row["run_name"],
            result_state=row["result_state"],
            termination_code=row["termination_code"],
            termination_type=row["termination_type"],
            trigger_type=row["trigger_type"],
            run_type=row["run_type"],
            start_time=row["start_time"],
            end_time=row["end_time"],
            in_progress=not ended,
            duration_seconds=row["duration_seconds"],
            wall_time_seconds=row["wall_seconds"],
            queue_duration_seconds=row["queue_duration_seconds"],
            setup_duration_seconds=row["setup_duration_seconds"],
            execution_duration_seconds=row["execution_duration_seconds"],
            cleanup_duration_seconds=row["cleanup_duration_seconds"],
            repair_count=max(0, row["attempt_count"] - 1),
            job_parameters=tags_from_map(row.get("job_parameters")),
            compute_ids=list(row["compute_ids"] or []),
            attempt_rows=list(row["attempts"] or []),
            cursor=encode_cursor("run", [row["start_time"].isoformat(), f"{row['workspace_id']}:{row['run_id']}"]),
            prefetched_cost=prefetched_cost,
            prefetched_tasks=prefetched_tasks,
        )

    @property
    def ref(self) -> RunRef:
        return RunRef(RunKey(str(self.id)), self.start_time)

    @strawberry.field(description="The job this run belongs to.")
    async def job(self, info: Info) -> Annotated["Job", strawberry.lazy("gql_monitor.graphql.types.job")] | None:
        from gql_monitor.graphql.types.job import load_job

        return await load_job(info, JobKey(str(self.job_id)))

    @strawberry.field(description="The run's task runs (retries appear as separate task runs; so do the task runs "
                                  "of each attempt: see `attempts`).")
    async def tasks(
        self, info: Info
    ) -> list[Annotated["TaskRun", strawberry.lazy("gql_monitor.graphql.types.task_run")]]:
        return await self.task_runs(info)

    @strawberry.field(description="The original execution and each repair, in order; one attempt for a run never "
                                  "repaired.")
    def attempts(self) -> list[Annotated["RunAttempt", strawberry.lazy("gql_monitor.graphql.types.run_attempt")]]:
        from gql_monitor.graphql.types.run_attempt import RunAttempt

        return RunAttempt.list_from(self.attempt_rows, self)

    async def task_runs(self, info: Info) -> list["TaskRun"]:
        from gql_monitor.graphql.types.task_run import TaskRun

        if self.prefetched_tasks is not None:
            rows = self.prefetched_tasks.get(str(self.id), [])
        else:
            rows = await info.context.loaders.task_runs_by_run.load(self.ref)
        return [TaskRun.from_row(row, self) for row in rows]

    @strawberry.field(description="What this run cost (usage records carrying its job_run_id).")
    async def cost(self, info: Info) -> Cost:
        if self.prefetched_cost is not None:
            summary = self.prefetched_cost.of(str(self.id))
        else:
            summary = await info.context.loaders.cost_by_run.load(self.ref)
        return run_cost(summary, CostAttribution.JOB_RUN_USAGE, self.start_time, self.end_time, info.context.now)

    @strawberry.field(description="How the run's duration compares with its job's baseline p95 (docs/metrics.md, "
                                  "\"Durations\"); null while the run is in progress.")
    async def duration_outlier(self, info: Info) -> DurationOutlier | None:
        if self.in_progress:
            return None
        return await resolve_outlier(info, JobKey(str(self.job_id)), self.duration_seconds)

    @strawberry.field(description="The run's page in the Databricks UI (`<workspace URL>/jobs/<job id>/runs/<run "
                                  "id>`), for runs of every workspace; null when the account list lacks the "
                                  "workspace's URL. `live.runPageUrl` is the Jobs API's own link, for this "
                                  "workspace's runs.")
    async def page_url(self, info: Info) -> str | None:
        job_id = str(self.job_id).partition(":")[2]
        return await page_url(info, self.workspace_id, f"jobs/{job_id}/runs/{self.run_id}")

    @strawberry.field(description="Live state, error message, run page and repair history from the Jobs API. Null "
                                  "when the run is not in this workspace or the Jobs API no longer holds it.")
    async def live(self, info: Info) -> RunLive | None:
        if self.workspace_id != await info.context.loaders.home_workspace.load(HOME_WORKSPACE):
            return None
        details = await info.context.loaders.run_details.load(int(self.run_id))
        return RunLive.from_api(details) if details else None


async def load_run(info: Info, key: RunKey) -> Run | None:
    row = await info.context.loaders.run.load(key)
    return Run.from_row(row) if row else None
