"""Job: the latest definition of a job, its runs, statistics and spend."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.costing import CostSummary
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import (
    FirstArgument,
    RunFilter,
    RunsAfterArgument,
    RunWindowArgument,
    TimeWindowInput,
    resolve_window,
)
from gql_monitor.graphql.types.common import (
    Connection,
    Cost,
    CostAttribution,
    Tag,
    TimeWindow,
    cost_from_summary,
    tags_from_map,
)
from gql_monitor.graphql.types.health import JobHealth, load_health
from gql_monitor.graphql.types.durations import DurationTrend, resolve_trend
from gql_monitor.graphql.types.run_stats import RunStats
from gql_monitor.graphql.types.schedule_adherence import ScheduleAdherence, resolve_adherence
from gql_monitor.graphql.types.sla import JobSla, resolve_sla
from gql_monitor.graphql.types.workspace import Workspace, load_workspace, page_url
from gql_monitor.loaders.keys import JobRunsKey, JobWindowKey
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.runs import RunsQuery
from gql_monitor.questions.windows import Window

if TYPE_CHECKING:
    from gql_monitor.graphql.types.cost_insights import CostAnomaly
    from gql_monitor.graphql.types.run import Run


@strawberry.type(description="A cron schedule.")
class Schedule:
    quartz_cron_expression: str | None = strawberry.field(description="The Quartz cron expression of the schedule.")
    timezone_id: str | None = strawberry.field(
        description="Java time zone id the cron expression is evaluated in, e.g. Europe/Berlin."
    )


@strawberry.type(description="How a job is triggered besides a schedule, from its trigger settings.")
class TriggerSettings:
    file_arrival_url: str | None = strawberry.field(
        description="The storage location whose new files trigger a run; null unless file-arrival triggered."
    )
    periodic_interval: int | None = strawberry.field(
        description="Runs every `periodicInterval` `periodicUnits`; null unless periodic."
    )
    periodic_units: str | None = strawberry.field(description="HOURS, DAYS or WEEKS; null unless periodic.")
    continuous: bool | None = strawberry.field(description="True for a continuous job; null when not recorded.")
    table_names: list[str] = strawberry.field(
        description="Tables whose updates trigger a run; empty unless table-update triggered."
    )

    @classmethod
    def from_struct(cls, trigger: dict) -> "TriggerSettings | None":
        file_arrival = trigger.get("file_arrival") or {}
        periodic = trigger.get("periodic") or {}
        continuous = trigger.get("continuous") or {}
        table_update = trigger.get("table_update") or {}
        settings = cls(
            file_arrival_url=file_arrival.get("url"),
            periodic_interval=periodic.get("interval"),
            periodic_units=periodic.get("units"),
            continuous=continuous.get("enabled"),
            table_names=list(table_update.get("table_names") or []),
        )
        has_any = settings.file_arrival_url or settings.periodic_interval or settings.continuous is not None \
            or settings.table_names
        return settings if has_any else None


@strawberry.type(description="A task of the job's current definition.")
class JobTask:
    task_key: str = strawberry.field(description="The task's key, unique within the job.")
    depends_on: list[str] = strawberry.field(description="Keys of the tasks this task depends on; empty for none.")
    timeout_seconds: int | None = strawberry.field(
        description="The task's timeout in seconds, from system.lakeflow.job_tasks; null when not recorded."
    )


@strawberry.type(description="A Databricks job: its latest version in system.lakeflow.jobs, or, for a job that ran "
                             "but is no longer in that table, what its runs and usage records say about it.")
class Job:
    id: strawberry.ID = strawberry.field(description="`<workspace id>:<job id>`, unique across workspaces.")
    job_id: str = strawberry.field(description="The job id within its workspace.")
    workspace_id: str = strawberry.field(description="The id of the workspace the job belongs to.")
    name: str | None = strawberry.field(description="The job's name (see `nameSource`); null when nothing names it.")
    name_source: str = strawberry.field(
        description="Where the name comes from: JOBS_TABLE, USAGE (usage_metadata.job_name) or RUN_NAME."
    )
    description: str | None = strawberry.field(
        description="The user-given description; null when unset or not recorded (jobs not in the jobs table, "
        "workspaces with customer-managed keys)."
    )
    creator: str | None = strawberry.field(
        description="User name of the job's creator, else their principal id; null when unknown (always for jobs "
        "not in the jobs table)."
    )
    run_as: str | None = strawberry.field(
        description="The user or service principal the job runs as (user name, else id). For jobs not in the jobs "
        "table: the run-as identity of their latest usage record, if any."
    )
    tags: list[Tag] = strawberry.field(
        description="The job's custom tags, sorted by key; empty when none (always for jobs not in the jobs table)."
    )
    schedule: Schedule | None = strawberry.field(
        description="The cron schedule from the job's trigger settings; null when the job has none or the latest "
        "version does not record its trigger."
    )
    trigger: TriggerSettings | None = strawberry.field(
        description="File-arrival, periodic, continuous or table-update trigger settings; null when the job has none "
        "of these or the latest version does not record its trigger."
    )
    trigger_type: str | None = strawberry.field(
        description="The job's trigger type as system.lakeflow.jobs records it (e.g. CRON, FILE_ARRIVAL, "
        "CONTINUOUS); null when not recorded."
    )
    paused: bool | None = strawberry.field(
        description="Whether the job is paused, per system.lakeflow.jobs; null when not recorded."
    )
    timeout_seconds: int | None = strawberry.field(
        description="The job's timeout in seconds, per system.lakeflow.jobs; null when not recorded."
    )
    created_time: datetime | None = strawberry.field(
        description="When the job was created (UTC); if the table lacks it, the oldest version still in the table. "
        "Null for jobs not in the jobs table."
    )
    changed_time: datetime | None = strawberry.field(description="When the latest version was written.")
    deleted_time: datetime | None = strawberry.field(
        description="When the job was deleted (UTC); null for jobs not deleted or not in the jobs table."
    )
    in_jobs_table: bool = strawberry.field(description="False for jobs known only from their runs and usage.")

    @property
    def key(self) -> JobKey:
        return JobKey(str(self.id))

    @classmethod
    def from_row(cls, row: dict) -> "Job":
        trigger = row.get("trigger") or {}
        schedule = trigger.get("schedule") if isinstance(trigger, dict) else None
        return cls(
            id=strawberry.ID(f"{row['workspace_id']}:{row['job_id']}"),
            job_id=row["job_id"],
            workspace_id=row["workspace_id"],
            name=row["name"],
            name_source=row["name_source"] or "JOBS_TABLE",
            description=row["description"],
            creator=row["creator"],
            run_as=row["run_as"],
            tags=tags_from_map(row["tags"]),
            schedule=Schedule(**{k: schedule.get(k) for k in ("quartz_cron_expression", "timezone_id")})
            if schedule
            else None,
            trigger=TriggerSettings.from_struct(trigger) if isinstance(trigger, dict) else None,
            trigger_type=row["trigger_type"],
            paused=row["paused"],
            timeout_seconds=row["timeout_seconds"],
            created_time=row["created_time"],
            changed_time=row["change_time"],
            deleted_time=row["delete_time"],
            in_jobs_table=row["in_jobs_table"],
        )

    @strawberry.field(description="The workspace the job belongs to.")
    async def workspace(self, info: Info) -> Workspace:
        return await load_workspace(info, self.workspace_id)

    @strawberry.field(description="The job's page in the Databricks UI (`<workspace URL>/jobs/<job id>`); null when "
                                  "the account list lacks the workspace's URL.")
    async def page_url(self, info: Info) -> str | None:
        return await page_url(info, self.workspace_id, f"jobs/{self.job_id}")

    @strawberry.field(description="The job's current tasks and their dependencies.")
    async def tasks(self, info: Info) -> list[JobTask]:
        rows = await info.context.loaders.tasks_by_job.load(self.key)
        return [
            JobTask(task_key=r["task_key"], depends_on=list(r["depends_on_keys"] or []),
                    timeout_seconds=r["timeout_seconds"])
            for r in rows
        ]

    @strawberry.field(description="The job's runs that started in the window (default: last 30 days), newest first.")
    async def runs(
        self,
        info: Info,
        first: FirstArgument,
        after: RunsAfterArgument = None,
        filter: Annotated[
            RunFilter | None, strawberry.argument(description="Filters on the runs; `jobIds` is ignored here.")
        ] = None,
        window: RunWindowArgument = None,
    ) -> Connection[Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")]]:
        from gql_monitor.graphql.types.runs_query import resolve_job_runs

        return await resolve_job_runs(info, self.key, first, after, filter, window)

    @strawberry.field(description="The most recent run in the tables' retention, or null.")
    async def last_run(
        self, info: Info
    ) -> Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")] | None:
        from gql_monitor.graphql.types.run import Run

        page = RunsQuery(window=Window.retention(info.context.now), limit=1, per_job=True)
        rows = await info.context.loaders.runs_by_job.load(JobRunsKey(self.key, page))
        return Run.from_row(rows[0]) if rows else None

    @strawberry.field(description="Run counts by result state and duration percentiles in the window "
                                  "(default: last 30 days).")
    async def run_stats(
        self,
        info: Info,
        window: RunWindowArgument = None,
    ) -> RunStats:
        span = resolve_window(window, info.context.now)
        rows = await info.context.loaders.run_stats.load(JobWindowKey(self.key, span))
        return RunStats.from_rows(rows, span)

    @strawberry.field(description="How the job's latest runs went as of now, and its priority (P1, P2, P3 or "
                                  "HEALTHY); docs/metrics.md defines the rule.")
    async def health(self, info: Info) -> JobHealth:
        return await load_health(info, self.key)

    @strawberry.field(description="Spend of the job's usage in the window (default: last 30 days).")
    async def cost(
        self,
        info: Info,
        window: Annotated[
            TimeWindowInput | None,
            strawberry.argument(description="Window the usage started in; default: last 30 days."),
        ] = None,
    ) -> Cost:
        span = resolve_window(window, info.context.now)
        summary = await info.context.loaders.cost_by_job.load(JobWindowKey(self.key, span))
        return cost_from_summary(summary, span, CostAttribution.JOB_USAGE, job_billing_horizon(summary, span.end))

    @strawberry.field(description="Recent run durations against the job's baseline: medians, ratio and whether it "
                                  "regressed (docs/metrics.md, \"Durations\"; periods and thresholds are settings).")
    async def duration_trend(self, info: Info) -> DurationTrend:
        return await resolve_trend(info, self.key)

    @strawberry.field(description="The job's SLA target, its breaches in the window (default: last 30 days) and its "
                                  "runs at risk now; null when the job has no SLA tag and no default SLA is set.")
    async def sla(
        self,
        info: Info,
        window: RunWindowArgument = None,
    ) -> JobSla | None:
        return await resolve_sla(info, self.key, self.tags, resolve_window(window, info.context.now))

    @strawberry.field(description="Late starts and missed fire times of the job's cron schedule in the window "
                                  "(default: last 30 days); null when the job's latest version records no schedule.")
    async def schedule_adherence(
        self,
        info: Info,
        window: Annotated[
            TimeWindowInput | None,
            strawberry.argument(description="Window the fire times are in; default: last 30 days."),
        ] = None,
    ) -> ScheduleAdherence | None:
        return await resolve_adherence(info, self.key, resolve_window(window, info.context.now))

    @strawberry.field(description="The job's finished runs that started in the window (default: last 30 days) and cost "
                                  "more than `GQL_MONITOR_COST_ANOMALY_FACTOR` times the p90 of its other finished "
                                  "runs, the highest ratio first (docs/metrics.md, \"Cost anomalies\").")
    async def cost_anomalies(
        self,
        info: Info,
        window: Annotated[
            TimeWindowInput | None,
            strawberry.argument(description="Window the runs judged started in; default: last 30 days."),
        ] = None,
    ) -> list[Annotated["CostAnomaly", strawberry.lazy("gql_monitor.graphql.types.cost_insights")]]:
        from gql_monitor.graphql.types.cost_insights import resolve_job_cost_anomalies

        return await resolve_job_cost_anomalies(info, self.key, window)


def job_billing_horizon(summary: CostSummary, end: datetime) -> datetime | None:
    """Billing covers a job's window once it reaches its latest task run's end, or the window's end while a task run
    is open (or when usage shows activity the timeline does not); a job that ran nothing waits for nothing."""
    if summary.open_task_runs or (summary.last_end is None and summary.by_sku):
        return end
    return min(end, summary.last_end) if summary.last_end else None


async def load_job(info: Info, job: JobKey) -> Job | None:
    row = await info.context.loaders.job.load(job)
    return Job.from_row(row) if row else None


__all__ = ["Job", "JobTask", "Schedule", "TimeWindow", "load_job"]
