"""Durations judged against the job's own history: `Job.durationTrend`, `Run.durationOutlier`, and the usual p95
behind `ActiveRun.longerThanUsual` (rules in gql_monitor/insights/durations.py)."""

from __future__ import annotations

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.types.common import TimeWindow
from gql_monitor.insights import durations as rules
from gql_monitor.loaders.durations import JobDurations
from gql_monitor.loaders.keys import JobDurationsKey
from gql_monitor.questions.keys import JobKey


@strawberry.type(description="A job's recent run durations against its baseline (docs/metrics.md, \"Durations\"): "
                             "medians of successful runs in the recent period and in the baseline before it.")
class DurationTrend:
    recent: TimeWindow = strawberry.field(description="The recent period (GQL_MONITOR_DURATION_RECENT_DAYS up to now).")
    baseline: TimeWindow = strawberry.field(
        description="The baseline: the GQL_MONITOR_DURATION_BASELINE_DAYS days before the recent period."
    )
    recent_runs: int = strawberry.field(description="Successful runs that started in the recent period.")
    baseline_runs: int = strawberry.field(description="Successful runs that started in the baseline.")
    recent_p50_seconds: float | None = strawberry.field(
        description="Median duration of the recent successful runs; null without any."
    )
    baseline_p50_seconds: float | None = strawberry.field(
        description="Median duration of the baseline's successful runs; null without any."
    )
    baseline_p95_seconds: float | None = strawberry.field(
        description="95th percentile of the baseline's successful runs: the job's usual longest run, which "
                    "`Run.durationOutlier` and `ActiveRun.longerThanUsual` compare with."
    )
    ratio: float | None = strawberry.field(
        description="recentP50Seconds / baselineP50Seconds; null without both."
    )
    judged: bool = strawberry.field(
        description="Both sides have at least GQL_MONITOR_DURATION_MIN_RUNS runs; otherwise `regressed` is false."
    )
    regressed: bool = strawberry.field(
        description="Judged, and the ratio is at least GQL_MONITOR_DURATION_REGRESSION_RATIO."
    )
    regression_ratio_threshold: float = strawberry.field(description="GQL_MONITOR_DURATION_REGRESSION_RATIO.")
    min_runs: int = strawberry.field(description="GQL_MONITOR_DURATION_MIN_RUNS.")
    first_slow_start_time: strawberry.Private[object] = None

    @classmethod
    def from_trend(cls, t: rules.DurationTrend, thresholds) -> "DurationTrend":
        return cls(
            recent=TimeWindow(start=t.spans.recent_start, end=t.spans.end),
            baseline=TimeWindow(start=t.spans.start, end=t.spans.recent_start),
            recent_runs=t.recent_runs, baseline_runs=t.baseline_runs, recent_p50_seconds=t.recent_p50_seconds,
            baseline_p50_seconds=t.baseline_p50_seconds, baseline_p95_seconds=t.baseline_p95_seconds,
            ratio=round(t.ratio, 6) if t.ratio is not None else None, judged=t.judged, regressed=t.regressed,
            regression_ratio_threshold=thresholds.duration_regression_ratio, min_runs=thresholds.duration_min_runs,
        )


@strawberry.type(description="How a finished run's duration compares with its job's baseline p95.")
class DurationOutlier:
    ratio: float | None = strawberry.field(
        description="durationSeconds / baselineP95Seconds: how far out the run is; null without a baseline p95."
    )
    baseline_p95_seconds: float | None = strawberry.field(
        description="The job's baseline p95 (see `DurationTrend.baselineP95Seconds`); null without one."
    )
    outlier: bool = strawberry.field(
        description="The ratio is above GQL_MONITOR_DURATION_OUTLIER_FACTOR and the baseline has at least "
                    "GQL_MONITOR_DURATION_MIN_RUNS runs."
    )
    factor: float = strawberry.field(description="GQL_MONITOR_DURATION_OUTLIER_FACTOR.")


async def load_job_durations(info: Info, job: JobKey) -> JobDurations:
    ctx = info.context
    return await ctx.loaders.job_durations.load(JobDurationsKey(job, rules.duration_spans(ctx.now, ctx.thresholds)))


async def resolve_trend(info: Info, job: JobKey) -> DurationTrend:
    ctx = info.context
    durations = await load_job_durations(info, job)
    spans = rules.duration_spans(ctx.now, ctx.thresholds)
    return DurationTrend.from_trend(rules.trend(durations.stats, spans, ctx.thresholds), ctx.thresholds)


async def resolve_outlier(info: Info, job: JobKey, duration_seconds: float | None) -> DurationOutlier:
    stats = (await load_job_durations(info, job)).stats or {}
    found = rules.outlier(duration_seconds, stats.get("baseline_p95_seconds"), stats.get("baseline_runs") or 0,
                          info.context.thresholds)
    return DurationOutlier(ratio=round(found.ratio, 6) if found.ratio is not None else None,
                           baseline_p95_seconds=found.baseline_p95_seconds, outlier=found.outlier,
                           factor=info.context.thresholds.duration_outlier_factor)
