"""Schedule adherence: a cron job's expected fire times (gql_monitor/schedules.py) matched with the runs its
schedule triggered, to find late starts and missed fires. docs/metrics.md, "Schedules", defines the rule.

Matching is greedy in time order: each fire takes the first unused CRON run starting in
[fire - EARLY, min(next fire, fire + missed_schedule_minutes)) (an hour earlier on a DST switch day); no such run
means the fire was missed, a run more than late_start_minutes after the fire started late. Fires are judged only
between the job's creation and deletion, outside its paused periods, from when the run timeline has data, and once
the timeline has caught up past the end of their candidate span."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from gql_monitor.insights.producer import raises
from gql_monitor.insights.findings import Evidence, Finding, Severity
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.loaders.durations import split_schedule_rows
from gql_monitor.questions import Row
from gql_monitor.questions.keys import JobKey, RunKey, run_key
from gql_monitor.questions.schedule_runs import ScheduleRunsQuery
from gql_monitor.questions.windows import Window
from gql_monitor.schedules import QuartzSchedule, ScheduleError

# A run is not started before its fire; the timeline's start may still read a little early (clock skew).
EARLY = timedelta(seconds=60)
# On a DST switch day a schedule may run an hour either side of the instant Quartz computes (schedules.py).
DST_SHIFT = timedelta(hours=1)
# Bounds the work per job and window: an hourly schedule over the longest window (366 days) has 8,784 fires.
FIRE_LIMIT = 10_000


@dataclass(frozen=True)
class LateStart:
    fire: datetime
    run: RunKey
    start: datetime
    delay_seconds: float


@dataclass(frozen=True)
class Adherence:
    quartz_cron_expression: str | None = None
    timezone_id: str | None = None
    paused: bool | None = None
    # Why the schedule could not be evaluated (a schedule the tables hold but Quartz refuses); None when it could.
    problem: str | None = None
    fires_judged: int = 0
    on_time: int = 0
    late: tuple[LateStart, ...] = ()
    missed: tuple[datetime, ...] = ()
    fires_paused: int = 0
    # Fires too recent for the tables (the timeline lags), judged on a later request.
    fires_pending: int = 0
    # More fires than FIRE_LIMIT in the window: only the first FIRE_LIMIT were judged.
    truncated: bool = False
    checked_through: datetime | None = None


@dataclass(frozen=True)
class _Version:
    at: datetime
    paused: bool | None


def paused_at(history: list[_Version], at: datetime) -> bool:
    """The pause state of the version in force at `at`; a version that does not record it (NULL, rows written
    before the column existed) counts as running."""
    state = False
    for version in history:
        if version.at > at:
            break
        state = bool(version.paused)
    return state


def adherence(rows: list[Row], window: Window, thresholds: Thresholds) -> Adherence | None:
    """A job's schedule_runs rows (its versions, its CRON runs' starts and the freshness row) judged over `window`;
    None when the job's latest version records no schedule."""
    versions = sorted((r for r in rows if r["row_kind"] == "version"), key=lambda r: r["at"])
    latest = next((r for r in versions if r["latest"]), None)
    if latest is None or latest["quartz_cron_expression"] is None:
        return None
    expression, zone = latest["quartz_cron_expression"], latest["timezone_id"] or "UTC"
    fresh = next((r for r in rows if r["row_kind"] == "freshness"), {})
    through, timeline_from = fresh.get("at"), fresh.get("timeline_from")
    base = Adherence(expression, zone, bool(latest["paused"]), checked_through=through)
    try:
        schedule = QuartzSchedule.parse(expression, zone)
    except ScheduleError as error:
        return replace(base, problem=f"The schedule cannot be evaluated: {error}")
    lo = max(window.start, latest["created_time"] or window.start, timeline_from or window.start)
    hi = min(window.end, latest["delete_time"] or window.end)
    if through is None or lo >= hi:
        return base
    fires = schedule.fire_times(lo, hi, FIRE_LIMIT + 1)
    truncated = len(fires) > FIRE_LIMIT
    fires = fires[:FIRE_LIMIT]
    history = [_Version(r["at"], r["paused"]) for r in versions]
    starts = sorted(((r["at"], run_key(r)) for r in rows if r["row_kind"] == "start"), key=lambda s: s[0])
    start_times = [s[0] for s in starts]
    used: set[int] = set()
    late, missed = [], []
    on_time = paused = pending = 0
    wait = timedelta(minutes=thresholds.missed_schedule_minutes)
    allowed = timedelta(minutes=thresholds.late_start_minutes)
    for n, fire in enumerate(fires):
        following = fires[n + 1] if n + 1 < len(fires) else schedule.next_fire(fire)
        end = min(following, fire + wait) if following else fire + wait
        if paused_at(history, fire):
            paused += 1
            continue
        if end > through:
            pending += 1
            continue
        switch = schedule.utc_offset(fire - timedelta(days=1)) != schedule.utc_offset(fire + timedelta(days=1))
        begin = fire - (DST_SHIFT if switch else EARLY)
        k = bisect_left(start_times, begin)
        while k < len(starts) and (k in used):
            k += 1
        if k >= len(starts) or start_times[k] >= end:
            missed.append(fire)
            continue
        used.add(k)
        start, key = starts[k]
        delay = max(0.0, (start - fire).total_seconds())
        if switch:
            delay = min(delay, abs(delay - DST_SHIFT.total_seconds()))
        if delay > allowed.total_seconds():
            late.append(LateStart(fire, key, start, delay))
        else:
            on_time += 1
    return replace(base, fires_judged=on_time + len(late) + len(missed), on_time=on_time, late=tuple(late),
                    missed=tuple(missed), fires_paused=paused, fires_pending=pending, truncated=truncated)


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def late_finding(job: JobKey, adh: Adherence, thresholds: Thresholds) -> Finding:
    late = sorted(adh.late, key=lambda s: s.fire, reverse=True)
    count = len(late)
    severity = Severity.WARNING if count >= thresholds.late_start_warning_count else Severity.INFO
    return Finding(
        kind="LATE_START", severity=severity, job=job,
        title=f"{count} of {adh.fires_judged} scheduled runs started more than {thresholds.late_start_minutes} min "
              f"after their fire time (up to {_minutes(max(s.delay_seconds for s in late))} min)",
        evidence=(
            Evidence("lateStarts", count, thresholds.late_start_warning_count, "runs"),
            Evidence("maxDelayMinutes", _minutes(max(s.delay_seconds for s in late)), thresholds.late_start_minutes,
                     "minutes"),
            Evidence("firesJudged", adh.fires_judged, None, "runs"),
        ),
        next_step="Check what held the runs back at their fire times: queueing behind a previous run "
                  "(max concurrent runs), cluster start-up, or workspace capacity.",
        runs=tuple(s.run for s in late[:10]), fire_times=tuple(s.fire for s in late[:10]),
        started_at=late[-1].fire,
    )


def missed_finding(job: JobKey, adh: Adherence, thresholds: Thresholds) -> Finding:
    missed = sorted(adh.missed, reverse=True)
    return Finding(
        kind="MISSED_SCHEDULE", severity=Severity.WARNING, job=job,
        title=f"{len(missed)} of {adh.fires_judged} scheduled fire times had no run",
        evidence=(
            Evidence("missedFires", len(missed), None, "runs"),
            Evidence("firesJudged", adh.fires_judged, None, "runs"),
            Evidence("waitMinutes", thresholds.missed_schedule_minutes, None, "minutes"),
        ),
        next_step="Check the job's schedule and pause history in the Jobs UI around the expected fire times, and "
                  "whether the previous run was still going (a skipped run when max concurrent runs is reached).",
        fire_times=tuple(missed[:10]), started_at=missed[-1],
    )




@raises("LATE_START", "MISSED_SCHEDULE")
async def produce(scope) -> list[Finding]:
    """LATE_START and MISSED_SCHEDULE over every scheduled job not deleted, from one statement."""
    rows = await scope.loaders.insight_questions.load(ScheduleRunsQuery(scope.window))
    findings: list[Finding] = []
    for job, its in sorted(split_schedule_rows(rows).items()):
        latest = next((r for r in its if r["row_kind"] == "version" and r["latest"]), None)
        if latest is None or latest["delete_time"] is not None:
            continue
        adh = adherence(its, scope.window, scope.thresholds)
        if adh is None:
            continue
        if adh.late:
            findings.append(late_finding(job, adh, scope.thresholds))
        if adh.missed:
            findings.append(missed_finding(job, adh, scope.thresholds))
    return findings
