"""Root `activeRuns`: what is running now, straight from the Jobs API (the tables lag by minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import cursor_text, decode_cursor, encode_cursor, page_size
from gql_monitor.graphql.types.common import PageInfo, from_epoch_ms
from gql_monitor.graphql.types.durations import load_job_durations
from gql_monitor.graphql.types.sla import LiveSla, resolve_live_sla
from gql_monitor.insights.durations import longer_than_usual, longer_than_usual_after
from gql_monitor.loaders.live import HOME_WORKSPACE, ActiveRunsPage
from gql_monitor.questions.keys import JobKey
from gql_monitor.sources.jobs_api import RUNS_PAGE_LIMIT


@dataclass(frozen=True)
class _Usual:
    stats_p50: float | None
    stats_p95: float | None
    stats_runs: int


@strawberry.type(description="A run in progress now, from the Jobs API of this workspace.")
class ActiveRun:
    id: strawberry.ID = strawberry.field(description="`<workspace id>:<run id>`, the same id the run will have in "
                                                     "`run(id)` once the tables catch up.")
    run_id: str = strawberry.field(description="The run id within this workspace.")
    job_id: strawberry.ID = strawberry.field(description="The job's id, `<workspace id>:<job id>`.")
    run_name: str | None = strawberry.field(description="The run's name; null when the Jobs API gives none.")
    start_time: datetime | None = strawberry.field(
        description="When the run started (UTC); null when the Jobs API gives no start time."
    )
    life_cycle_state: str | None = strawberry.field(
        description="In the Jobs API's vocabulary: QUEUED, PENDING, RUNNING, TERMINATING, ..."
    )
    state_message: str | None = strawberry.field(description="The run's state message; null when empty.")
    run_page_url: str | None = strawberry.field(description="The run's page in the Databricks UI.")

    @strawberry.field(description="The job of this run.")
    async def job(self, info: Info) -> Annotated["Job", strawberry.lazy("gql_monitor.graphql.types.job")] | None:
        from gql_monitor.graphql.types.job import load_job

        return await load_job(info, str(self.job_id))

    @strawberry.field(description="The 95th percentile of the job's successful runs in the duration baseline "
                                  "(`DurationTrend.baselineP95Seconds`); null when the job has none.")
    async def usual_p95_seconds(self, info: Info) -> float | None:
        return (await self._durations(info)).stats_p95

    @strawberry.field(description="The median of the job's successful runs in the duration baseline "
                                  "(`DurationTrend.baselineP50Seconds`); null when the job has none.")
    async def usual_p50_seconds(self, info: Info) -> float | None:
        return (await self._durations(info)).stats_p50

    @strawberry.field(description="Seconds from the run's start to now; null without a start time.")
    def elapsed_seconds(self, info: Info) -> float | None:
        return max(0.0, (info.context.now - self.start_time).total_seconds()) if self.start_time else None

    # Nullable: it reads the system tables, which a caller may not be granted while the Jobs API still lists the
    # run; the run stays listed with this field null and its error.
    @strawberry.field(description="Running for longer than the job's usual p95 times "
                                  "GQL_MONITOR_LONGER_THAN_USUAL_FACTOR (with a baseline of at least "
                                  "GQL_MONITOR_DURATION_MIN_RUNS runs); null when the job's history cannot be read.")
    async def longer_than_usual(self, info: Info) -> bool | None:
        elapsed = self.elapsed_seconds(info)
        usual = await self._durations(info)
        return elapsed is not None and longer_than_usual(elapsed, usual.stats_p95, usual.stats_runs,
                                                         info.context.thresholds)

    # Clients that keep a run's age ticking (live panels, between subscription messages, which come only when a
    # run's state changes) judge "longer than usual" themselves against this, by the same rule.
    @strawberry.field(description="The age past which this run counts as `longerThanUsual`: the job's usual p95 "
                                  "times GQL_MONITOR_LONGER_THAN_USUAL_FACTOR; null when the job's history does not "
                                  "judge it (no baseline, or fewer than GQL_MONITOR_DURATION_MIN_RUNS runs in it).")
    async def longer_than_usual_after_seconds(self, info: Info) -> float | None:
        usual = await self._durations(info)
        return longer_than_usual_after(usual.stats_p95, usual.stats_runs, info.context.thresholds)

    @strawberry.field(description="This run against its job's SLA, live (the tables' `JobSla.atRisk` sees a run only "
                                  "once its first slice is recorded); null when the job has no SLA.")
    async def sla(self, info: Info) -> LiveSla | None:
        return await resolve_live_sla(info, JobKey(str(self.job_id)), self.elapsed_seconds(info))

    async def _durations(self, info: Info) -> "_Usual":
        stats = (await load_job_durations(info, JobKey(str(self.job_id)))).stats or {}
        return _Usual(stats.get("baseline_p50_seconds"), stats.get("baseline_p95_seconds"),
                      stats.get("baseline_runs") or 0)

    @classmethod
    def from_api(cls, workspace_id: str, run: dict) -> "ActiveRun":
        state = run.get("state") or {}
        start = run.get("start_time")
        return cls(
            id=strawberry.ID(f"{workspace_id}:{run['run_id']}"),
            run_id=str(run["run_id"]),
            job_id=strawberry.ID(f"{workspace_id}:{run.get('job_id')}"),
            run_name=run.get("run_name"),
            start_time=from_epoch_ms(start),
            life_cycle_state=state.get("life_cycle_state"),
            state_message=state.get("state_message") or None,
            run_page_url=run.get("run_page_url"),
        )


@strawberry.type(description="A page of active runs. The Jobs API pages by token and gives no total, so this "
                             "connection has no `totalCount` and no per-item cursors.")
class ActiveRunConnection:
    nodes: list[ActiveRun] = strawberry.field(description="The active runs of this page, in the Jobs API's order.")
    page_info: PageInfo = strawberry.field(
        description="Whether the Jobs API has more active runs, and the cursor to get them."
    )
    checked_at: datetime = strawberry.field(
        description="The monitor's clock when this page was asked for (unrounded, unlike the window clock "
        "`elapsedSeconds` is measured against): a client ticking a run's age forward counts from here."
    )


async def resolve_active_runs(info: Info, first: int, after: str | None) -> ActiveRunConnection:
    page_size(first, RUNS_PAGE_LIMIT)
    page_token = decode_cursor(after, "active", (cursor_text,))[0] if after is not None else None
    ctx = info.context
    workspace_id = await ctx.loaders.home_workspace.load(HOME_WORKSPACE) or ""
    page = await ctx.loaders.active_runs_page.load(ActiveRunsPage(page_token, first))
    runs = [ActiveRun.from_api(workspace_id, run) for run in page.get("runs") or []]
    next_token = page.get("next_page_token")
    end_cursor = encode_cursor("active", [next_token]) if next_token else None
    return ActiveRunConnection(nodes=runs, page_info=PageInfo(has_next_page=bool(next_token), end_cursor=end_cursor),
                               checked_at=ctx.clock())
