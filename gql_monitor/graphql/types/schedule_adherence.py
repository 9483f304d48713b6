"""`Job.scheduleAdherence`: a cron job's expected fire times against its runs (insights/schedule_adherence.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.types.common import TimeWindow
from gql_monitor.insights import schedule_adherence as rules
from gql_monitor.loaders.keys import JobWindowKey
from gql_monitor.questions.keys import JobKey, RunKey
from gql_monitor.questions.windows import Window

if TYPE_CHECKING:
    from gql_monitor.graphql.types.run import Run

# Late starts and missed fires listed per job; the counts count them all.
MAX_LISTED = 100


@strawberry.type(description="A scheduled run that started more than GQL_MONITOR_LATE_START_MINUTES after its fire "
                             "time.")
class LateStart:
    expected_fire_time: datetime = strawberry.field(description="When the schedule fired (UTC).")
    start_time: datetime = strawberry.field(description="When the run started (UTC).")
    delay_seconds: float = strawberry.field(
        description="startTime minus the fire time (on a DST switch day, the nearer of that and it less an hour)."
    )
    run_id: strawberry.ID = strawberry.field(description="`<workspace id>:<run id>`.")

    @strawberry.field(description="The run.")
    async def run(self, info: Info) -> Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")] | None:
        from gql_monitor.graphql.types.run import load_run

        return await load_run(info, RunKey(str(self.run_id)))


@strawberry.type(description="How a cron job kept to its schedule in a window (docs/metrics.md, \"Schedules\"): its "
                             "fire times from the Quartz expression in its time zone, matched with the runs its "
                             "schedule triggered.")
class ScheduleAdherence:
    window: TimeWindow = strawberry.field(description="The window the fire times are in.")
    quartz_cron_expression: str = strawberry.field(description="The schedule of the job's latest version.")
    timezone_id: str = strawberry.field(description="Its time zone.")
    paused: bool = strawberry.field(description="The latest version is paused.")
    problem: str | None = strawberry.field(
        description="Why the schedule could not be evaluated; null when it could (then nothing else is judged)."
    )
    fires_judged: int = strawberry.field(description="Fire times judged: onTime + late starts + missed fires.")
    on_time: int = strawberry.field(description="Fire times whose run started within the allowed delay.")
    late_start_count: int = strawberry.field(description="Fire times whose run started late.")
    late_starts: list[LateStart] = strawberry.field(
        description=f"The late starts, newest first (at most {MAX_LISTED})."
    )
    missed_fire_count: int = strawberry.field(description="Fire times with no run.")
    missed_fire_times: list[datetime] = strawberry.field(
        description="The fire times no run answered: none started within GQL_MONITOR_MISSED_SCHEDULE_MINUTES (or "
                    f"before the next fire time), newest first (at most {MAX_LISTED})."
    )
    fires_paused: int = strawberry.field(description="Fire times while the job was paused: not judged.")
    fires_pending: int = strawberry.field(
        description="Fire times too recent for the tables (the run timeline has not caught up past their wait): "
                    "not judged yet."
    )
    truncated: bool = strawberry.field(
        description=f"The window holds more than {rules.FIRE_LIMIT} fire times; only the first were judged."
    )
    checked_through: datetime | None = strawberry.field(
        description="How far the run timeline has caught up (its newest slice end): fires are judged up to there."
    )


async def resolve_adherence(info: Info, job: JobKey, window: Window) -> ScheduleAdherence | None:
    rows = await info.context.loaders.job_schedule_runs.load(JobWindowKey(job, window))
    adh = rules.adherence(rows, window, info.context.thresholds)
    if adh is None:
        return None
    late = sorted(adh.late, key=lambda s: s.fire, reverse=True)
    return ScheduleAdherence(
        window=TimeWindow(start=window.start, end=window.end), quartz_cron_expression=adh.quartz_cron_expression,
        timezone_id=adh.timezone_id, paused=bool(adh.paused), problem=adh.problem, fires_judged=adh.fires_judged,
        on_time=adh.on_time, late_start_count=len(late),
        late_starts=[LateStart(expected_fire_time=s.fire, start_time=s.start, delay_seconds=s.delay_seconds,
                               run_id=strawberry.ID(s.run)) for s in late[:MAX_LISTED]],
        missed_fire_count=len(adh.missed), missed_fire_times=sorted(adh.missed, reverse=True)[:MAX_LISTED],
        fires_paused=adh.fires_paused, fires_pending=adh.fires_pending, truncated=adh.truncated,
        checked_through=adh.checked_through,
    )
