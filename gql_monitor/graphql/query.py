"""The root Query. Each field reads its arguments and hands over to a resolver module."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gql_monitor import __version__
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import (
    CostDimension,
    CostFilter,
    FirstArgument,
    JobFilter,
    JobOrder,
    RunFilter,
    RunOrder,
    RunWindowArgument,
    TimeWindowInput,
)
from gql_monitor.graphql.types import active_runs, alerts, cost_insights, costs_query, data_quality, failures, \
    jobs_query, runs_query, viewer
from gql_monitor.graphql.types.active_runs import ActiveRunConnection
from gql_monitor.graphql.types.alerts import Alert, AlertKind, AlertSeverity
from gql_monitor.graphql.types.common import Connection
from gql_monitor.graphql.types.cost_insights import CostInsights
from gql_monitor.graphql.types.costs_query import CostBreakdown
from gql_monitor.graphql.types.data_quality import DataQuality
from gql_monitor.graphql.types.failures import FailureBreakdown
from gql_monitor.graphql.types.job import Job
from gql_monitor.graphql.types.run import Run, RunLive
from gql_monitor.graphql.types.viewer import DataFreshness, Viewer
from gql_monitor.graphql.types.workspace import Workspace, list_workspaces


# Root fields that read a source are nullable: when one source fails, its fields are null with an error and the
# others still answer (a non-null root field would null the whole response).
@strawberry.type(description="Databricks Jobs: history, durations and spend from the system tables; what is "
                             "running now from the Jobs API.")
class Query:
    @strawberry.field(description="Who is asking and whose credentials the monitor uses for them.")
    def viewer(self, info: Info) -> Viewer:
        return viewer.resolve_viewer(info)

    @strawberry.field(description="How far behind the system tables are.")
    async def data_freshness(self, info: Info) -> DataFreshness | None:
        return await viewer.resolve_freshness(info)

    @strawberry.field(description="The account's workspaces (system.access.workspaces_latest) by id; for a caller who "
                                  "sees only some jobs, the workspaces of those jobs.")
    async def workspaces(self, info: Info) -> list[Workspace] | None:
        return await list_workspaces(info)

    @strawberry.field(description="A job by id (`<workspace id>:<job id>`); null when unknown.")
    async def job(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="`<workspace id>:<job id>`.")]
    ) -> Job | None:
        return await jobs_query.resolve_job(info, id)

    @strawberry.field(description="Jobs, including deleted ones on request and jobs known only from their runs.")
    async def jobs(
        self,
        info: Info,
        first: FirstArgument,
        after: Annotated[
            str | None,
            strawberry.argument(description="Return the jobs after this cursor (an edge's `cursor` or "
                                            "`pageInfo.endCursor` of this list, fetched with the same `orderBy`)."),
        ] = None,
        filter: Annotated[JobFilter | None, strawberry.argument(description="Filters on the jobs.")] = None,
        order_by: Annotated[
            JobOrder,
            strawberry.argument(description="NAME (default), ID, or a health, spend, duration or last-run order (see "
                                            "`JobOrder`); ties by id."),
        ] = JobOrder.NAME,
        window: Annotated[
            TimeWindowInput | None,
            strawberry.argument(description="The window the COST and DURATION orders rank by (default: the last 30 "
                                            "days, as `Job.cost` and `Job.runStats` default to); other orders ignore "
                                            "it. Pass the window the page shows `cost` and `runStats` for."),
        ] = None,
    ) -> Connection[Job] | None:
        return await jobs_query.resolve_jobs(info, first, after, filter, order_by, window)

    @strawberry.field(description="A run by id (`<workspace id>:<run id>`); null when unknown.")
    async def run(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="`<workspace id>:<run id>`.")]
    ) -> Run | None:
        return await runs_query.resolve_run(info, id)

    @strawberry.field(description="Runs across all jobs that started in the window (default: last 30 days), newest "
                                  "first unless `orderBy` says otherwise.")
    async def runs(
        self,
        info: Info,
        first: FirstArgument,
        after: Annotated[
            str | None,
            strawberry.argument(description="Return the runs after this cursor (an edge's `cursor` or "
                                            "`pageInfo.endCursor` of this list, fetched with the same `orderBy`)."),
        ] = None,
        filter: Annotated[RunFilter | None, strawberry.argument(description="Filters on the runs.")] = None,
        window: RunWindowArgument = None,
        order_by: Annotated[
            RunOrder,
            strawberry.argument(description="START_TIME (default: the newest first), DURATION or COST (the largest "
                                            "first); ties by start time, newest first."),
        ] = RunOrder.START_TIME,
    ) -> Connection[Run] | None:
        return await runs_query.resolve_runs(info, first, after, filter, window, order_by)

    @strawberry.field(description="Runs in progress now (Jobs API; at most 25 a page).")
    async def active_runs(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 25.")] = 25,
        after: Annotated[
            str | None,
            strawberry.argument(description="Return the next page: `pageInfo.endCursor` of the previous page."),
        ] = None,
    ) -> ActiveRunConnection | None:
        return await active_runs.resolve_active_runs(info, first, after)

    @strawberry.field(description="Account spend in a window grouped by a dimension, with the unattributed remainder "
                                  "as its own group.")
    async def costs(
        self,
        info: Info,
        window: Annotated[TimeWindowInput, strawberry.argument(description="Window the usage started in.")],
        group_by: Annotated[CostDimension, strawberry.argument(description="The dimension to group spend by.")],
        filter: Annotated[CostFilter | None, strawberry.argument(description="Filters on the usage.")] = None,
        tag_key: Annotated[
            str | None,
            strawberry.argument(description="The custom tag key to group by; required with `groupBy: TAG`, ignored "
                                            "otherwise."),
        ] = None,
    ) -> CostBreakdown | None:
        return await costs_query.resolve_costs(info, window, group_by, filter, tag_key)

    @strawberry.field(description="Cost intelligence over a window (default: last 30 days): run cost anomalies, "
                                  "spend on failures, jobs on all-purpose compute. Each section is computed only "
                                  "when selected.")
    def cost_insights(
        self,
        info: Info,
        window: Annotated[
            TimeWindowInput | None,
            strawberry.argument(description="The window the insights look at; default: last 30 days."),
        ] = None,
        tag_key: Annotated[
            str | None,
            strawberry.argument(description="The custom tag key per-tag sections group spend by (e.g. `team`)."),
        ] = None,
    ) -> CostInsights | None:
        return cost_insights.resolve_cost_insights(info, window, tag_key)

    @strawberry.field(description="What needs attention: every insight rule's alerts in the window (default: last 30 "
                                  "days), most severe first, then the most recent. Steady jobs raise none.")
    async def alerts(
        self,
        info: Info,
        first: FirstArgument,
        after: Annotated[
            str | None,
            strawberry.argument(description="Return the alerts after this cursor (an edge's `cursor`)."),
        ] = None,
        window: Annotated[
            TimeWindowInput | None,
            strawberry.argument(description="The window the rules look at; default: last 30 days."),
        ] = None,
        severity: Annotated[
            list[AlertSeverity] | None,
            strawberry.argument(description="Only these severities; empty or omitted: all."),
        ] = None,
        kinds: Annotated[
            list[AlertKind] | None, strawberry.argument(description="Only these kinds; empty or omitted: all.")
        ] = None,
        workspace_id: Annotated[
            str | None,
            strawberry.argument(description="Only alerts about jobs of this workspace (account-wide alerts, which "
                                            "name no job, are left out); omitted: every alert."),
        ] = None,
    ) -> Connection[Alert] | None:
        return await alerts.resolve_alerts(info, window, severity, kinds, first, after, workspace_id)

    @strawberry.field(description="Failed runs that started in the window (default: last 30 days) by termination code "
                                  "and by termination type, with the jobs and runs behind each group.")
    async def failures(self, info: Info, window: RunWindowArgument = None) -> FailureBreakdown | None:
        return await failures.resolve_failures(info, window)

    @strawberry.field(description="What the system tables do not cover in the window (default: last 30 days): jobs "
                                  "missing from the jobs table, jobs whose runs carry no usage, unattributed spend.")
    async def data_quality(
        self,
        info: Info,
        window: Annotated[
            TimeWindowInput | None,
            strawberry.argument(description="Window the runs and usage started in; default: last 30 days."),
        ] = None,
    ) -> DataQuality | None:
        return await data_quality.resolve_data_quality(info, window)

    @strawberry.field(description="What the Jobs API says about a run now, whether or not the system tables hold it "
                                  "yet (a run that finished a minute ago); null for runs of other workspaces, runs "
                                  "the Jobs API does not hold and runs of jobs you may not see.")
    async def live_run(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="`<workspace id>:<run id>`.")]
    ) -> RunLive | None:
        return await runs_query.resolve_live_run(info, id)

    @strawberry.field(description="The monitor's version (its Python package's), so a deployment can be confirmed.")
    def app_version(self) -> str:
        return __version__
