"""`Job.sla`: the job's SLA target, its breaches in a window and its runs at risk now (insights/sla.py)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.types.common import TimeWindow
from gql_monitor.insights import sla as rules
from gql_monitor.loaders.durations import JobSlaRuns
from gql_monitor.loaders.keys import JobSlaKey
from gql_monitor.questions.keys import JobKey, RunKey, run_key
from gql_monitor.questions.sla_runs import JobTarget
from gql_monitor.questions.windows import Window

if TYPE_CHECKING:
    from gql_monitor.graphql.types.run import Run

# Breaching runs listed per job; `breachCount` counts them all.
MAX_BREACHES_LISTED = 100


@strawberry.enum(description="Where a job's SLA target comes from.")
class SlaSource(Enum):
    TAG = "TAG"
    SETTING = "SETTING"


async def _run(info: Info, key: RunKey):
    from gql_monitor.graphql.types.run import load_run

    return await load_run(info, key)


@strawberry.type(description="A finished run that took longer than its job's SLA.")
class SlaBreach:
    run_id: strawberry.ID = strawberry.field(description="`<workspace id>:<run id>`.")
    start_time: datetime = strawberry.field(description="When the run started (UTC).")
    duration_seconds: int = strawberry.field(description="The run's `durationSeconds`.")
    over_by_seconds: int = strawberry.field(description="durationSeconds minus the target.")

    @strawberry.field(description="The run.")
    async def run(self, info: Info) -> Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")] | None:
        return await _run(info, RunKey(str(self.run_id)))


@strawberry.type(description="A run in progress that has used up GQL_MONITOR_SLA_AT_RISK_SHARE of its SLA or more.")
class SlaRunAtRisk:
    run_id: strawberry.ID = strawberry.field(description="`<workspace id>:<run id>`.")
    start_time: datetime = strawberry.field(description="When the run started (UTC).")
    elapsed_seconds: float = strawberry.field(description="From its start to now.")
    share_of_target: float = strawberry.field(description="elapsedSeconds / the target; above 1: already past it.")

    @strawberry.field(description="The run.")
    async def run(self, info: Info) -> Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")] | None:
        return await _run(info, RunKey(str(self.run_id)))


@strawberry.type(description="Breaches on one UTC day (by the run's start).")
class SlaBreachDay:
    date: date = strawberry.field(description="The UTC day.")
    breaches: int = strawberry.field(description="Runs that started that day and breached the SLA.")


@strawberry.type(description="A job's SLA (docs/metrics.md, \"SLAs\"): its target, the finished runs in the window "
                             "that took longer, and the runs in progress at risk of doing so.")
class JobSla:
    target_minutes: int | None = strawberry.field(
        description="The target duration; null when the job has none (see `tagProblem`)."
    )
    source: SlaSource | None = strawberry.field(
        description="TAG: the job's GQL_MONITOR_SLA_TAG tag; SETTING: GQL_MONITOR_DEFAULT_SLA_MINUTES; null: none."
    )
    tag_problem: str | None = strawberry.field(
        description="Why the job's SLA tag was ignored (not a whole number of minutes in 1..525600); null when "
                    "it was used or is absent."
    )
    window: TimeWindow = strawberry.field(description="The window the runs started in.")
    finished_runs: int = strawberry.field(description="Runs that started in the window and finished.")
    breach_count: int = strawberry.field(description="Finished runs whose durationSeconds exceeded the target.")
    breaches: list[SlaBreach] = strawberry.field(
        description=f"The breaching runs, newest first (at most {MAX_BREACHES_LISTED}; `breachCount` counts all)."
    )
    breach_history: list[SlaBreachDay] = strawberry.field(
        description="Breaches per UTC day of the window, zeros included, oldest first."
    )
    at_risk: list[SlaRunAtRisk] = strawberry.field(
        description="Runs in progress (no end row in the tables yet) that started in the window and have run for "
                    "GQL_MONITOR_SLA_AT_RISK_SHARE of the target or more, newest first."
    )
    at_risk_share: float = strawberry.field(description="GQL_MONITOR_SLA_AT_RISK_SHARE.")


def _tags(tags) -> dict[str, str]:
    return {tag.key: tag.value for tag in tags if tag.value is not None}


@strawberry.type(description="A run in progress against its job's SLA, live: elapsed time from the Jobs API's start "
                             "time, the target from the job's SLA tag or the default setting.")
class LiveSla:
    target_minutes: int = strawberry.field(description="The job's SLA target.")
    source: SlaSource = strawberry.field(description="Where the target comes from.")
    share_of_target: float = strawberry.field(description="Elapsed time / target (1 or more: past it).")
    at_risk: bool = strawberry.field(description="`shareOfTarget` is at least GQL_MONITOR_SLA_AT_RISK_SHARE.")
    at_risk_after_seconds: float = strawberry.field(
        description="The age past which the run is `atRisk`: the target times GQL_MONITOR_SLA_AT_RISK_SHARE, for "
        "clients that keep its age ticking."
    )


async def resolve_live_sla(info: Info, job: JobKey, elapsed_seconds: float | None) -> LiveSla | None:
    """The SLA view of a run the Jobs API lists as active: it sees runs the tables have not recorded yet."""
    ctx = info.context
    row = await ctx.loaders.job.load(job)
    tags = (row or {}).get("tags") or {}
    # The connector gives a MAP column as a dict, or as (key, value) pairs.
    target = rules.sla_target(dict(tags.items() if isinstance(tags, dict) else tags), ctx.thresholds)
    if target.seconds is None or elapsed_seconds is None:
        return None
    share = elapsed_seconds / target.seconds
    return LiveSla(target_minutes=target.minutes, source=SlaSource(target.source), share_of_target=share,
                   at_risk=share >= ctx.thresholds.sla_at_risk_share,
                   at_risk_after_seconds=target.seconds * ctx.thresholds.sla_at_risk_share)


async def resolve_sla(info: Info, job: JobKey, tags, window: Window) -> JobSla | None:
    ctx = info.context
    target = rules.sla_target(_tags(tags), ctx.thresholds)
    if target.seconds is None and target.tag_problem is None:
        return None
    runs = JobSlaRuns()
    if target.seconds is not None:
        runs = await ctx.loaders.job_sla_runs.load(JobSlaKey(JobTarget(job, target.seconds), window))
    breaches = rules.newest_first(runs.breaches)
    return JobSla(
        target_minutes=target.minutes, source=SlaSource(target.source) if target.source else None,
        tag_problem=target.tag_problem, window=TimeWindow(start=window.start, end=window.end),
        finished_runs=runs.finished_runs, breach_count=len(breaches),
        breaches=[SlaBreach(run_id=strawberry.ID(run_key(r)), start_time=r["start_time"],
                            duration_seconds=r["duration_seconds"],
                            over_by_seconds=r["duration_seconds"] - target.seconds)
                  for r in breaches[:MAX_BREACHES_LISTED]],
        breach_history=[SlaBreachDay(date=day, breaches=n) for day, n in rules.breach_days(runs, window)],
        at_risk=[SlaRunAtRisk(run_id=strawberry.ID(run_key(r.row)), start_time=r.row["start_time"],
                              elapsed_seconds=round(r.elapsed_seconds, 3), share_of_target=round(r.share, 6))
                 for r in rules.at_risk(runs, target, ctx.now, ctx.thresholds)],
        at_risk_share=ctx.thresholds.sla_at_risk_share,
    )
