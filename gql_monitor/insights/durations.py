"""Durations judged against the job's own history: regressions (recent median vs baseline median), outlier runs
(far past the baseline's p95) and runs in progress already past it. docs/metrics.md, "Durations", defines each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gql_monitor.insights.producer import raises
from gql_monitor.insights.findings import Evidence, Finding, Severity
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.questions import Row
from gql_monitor.questions.duration_stats import DurationSpans, DurationStatsQuery
from gql_monitor.questions.keys import JobKey, RunKey, job_key, run_key


def duration_spans(now: datetime, thresholds: Thresholds) -> DurationSpans:
    """The recent period ends now; the baseline is the days before it (both from settings)."""
    recent_start = now - timedelta(days=thresholds.duration_recent_days)
    return DurationSpans(recent_start - timedelta(days=thresholds.duration_baseline_days), recent_start, now,
                         thresholds.duration_regression_ratio)


@dataclass(frozen=True)
class DurationTrend:
    recent_runs: int
    baseline_runs: int
    recent_p50_seconds: float | None
    baseline_p50_seconds: float | None
    baseline_p95_seconds: float | None
    # recent median / baseline median; None without both medians (or a zero baseline median).
    ratio: float | None
    # Enough runs on each side to judge (thresholds.duration_min_runs).
    judged: bool
    regressed: bool
    first_slow_start: datetime | None
    spans: DurationSpans


def trend(row: Row | None, spans: DurationSpans, thresholds: Thresholds) -> DurationTrend:
    row = row or {}
    recent_runs, baseline_runs = row.get("recent_runs") or 0, row.get("baseline_runs") or 0
    recent, baseline = row.get("recent_p50_seconds"), row.get("baseline_p50_seconds")
    ratio = recent / baseline if recent is not None and baseline else None
    judged = min(recent_runs, baseline_runs) >= thresholds.duration_min_runs and ratio is not None
    regressed = judged and ratio >= thresholds.duration_regression_ratio
    return DurationTrend(recent_runs, baseline_runs, recent, baseline, row.get("baseline_p95_seconds"), ratio,
                         judged, regressed, row.get("first_slow_start") if regressed else None, spans)


@dataclass(frozen=True)
class Outlier:
    """How a run's duration compares with its job's baseline p95."""

    ratio: float | None           # duration / baseline p95; None without a p95 (or a zero one)
    baseline_p95_seconds: float | None
    outlier: bool


def outlier(duration_seconds: float | None, baseline_p95_seconds: float | None, baseline_runs: int,
            thresholds: Thresholds) -> Outlier:
    """A p95 of fewer than `duration_min_runs` runs says too little about the job to call anything an outlier."""
    if duration_seconds is None or not baseline_p95_seconds:
        return Outlier(None, baseline_p95_seconds, False)
    ratio = duration_seconds / baseline_p95_seconds
    return Outlier(ratio, baseline_p95_seconds,
                   baseline_runs >= thresholds.duration_min_runs and ratio > thresholds.duration_outlier_factor)


def longer_than_usual_after(baseline_p95_seconds: float | None, baseline_runs: int,
                            thresholds: Thresholds) -> float | None:
    """The age past which a running run counts as longer than usual; None when its job's history does not judge it
    (no baseline, or too few runs in it)."""
    if baseline_p95_seconds is None or baseline_runs < thresholds.duration_min_runs:
        return None
    return baseline_p95_seconds * thresholds.longer_than_usual_factor


def longer_than_usual(elapsed_seconds: float, baseline_p95_seconds: float | None, baseline_runs: int,
                      thresholds: Thresholds) -> bool:
    after = longer_than_usual_after(baseline_p95_seconds, baseline_runs, thresholds)
    return after is not None and elapsed_seconds > after


def stats_by_job(rows: list[Row]) -> tuple[dict[JobKey, Row], dict[JobKey, list[Row]]]:
    """duration_stats rows: {job: its baseline row}, {job: its running runs}."""
    jobs: dict[JobKey, Row] = {}
    running: dict[JobKey, list[Row]] = {}
    for row in rows:
        if row["row_kind"] == "job":
            jobs[job_key(row)] = row
        else:
            running.setdefault(job_key(row), []).append(row)
    return jobs, running


def _minutes(seconds: float | None) -> float | None:
    return round(seconds / 60, 1) if seconds is not None else None


def regression_finding(job: JobKey, t: DurationTrend, thresholds: Thresholds) -> Finding:
    return Finding(
        kind="DURATION_REGRESSION", severity=Severity.WARNING, job=job,
        title=f"Runs take {t.ratio:.1f}x as long as before: median {_minutes(t.recent_p50_seconds)} min over the "
              f"last {thresholds.duration_recent_days} days vs {_minutes(t.baseline_p50_seconds)} min before",
        evidence=(
            Evidence("durationRatio", round(t.ratio, 3), thresholds.duration_regression_ratio, "ratio"),
            Evidence("recentP50Seconds", t.recent_p50_seconds, None, "seconds"),
            Evidence("baselineP50Seconds", t.baseline_p50_seconds, None, "seconds"),
            Evidence("recentRuns", t.recent_runs, thresholds.duration_min_runs, "runs"),
            Evidence("baselineRuns", t.baseline_runs, thresholds.duration_min_runs, "runs"),
        ),
        next_step="Compare a recent run with an older one (input volume, cluster size, code or library changes "
                  "around when the slow runs began).",
        started_at=t.first_slow_start,
    )


def longer_than_usual_finding(job: JobKey, run: RunKey, started: datetime, elapsed: float, p95: float,
                              thresholds: Thresholds) -> Finding:
    return Finding(
        kind="LONGER_THAN_USUAL", severity=Severity.WARNING, job=job,
        title=f"Running for {_minutes(elapsed)} min, past its usual p95 of {_minutes(p95)} min",
        evidence=(
            Evidence("elapsedSeconds", round(elapsed), round(p95 * thresholds.longer_than_usual_factor, 1),
                     "seconds"),
            Evidence("baselineP95Seconds", p95, None, "seconds"),
            Evidence("elapsedRatio", round(elapsed / p95, 3), thresholds.longer_than_usual_factor, "ratio"),
        ),
        next_step="Open the run: look for a stuck task, a slow cluster start or an unusually large input; cancel "
                  "it if it hangs.",
        runs=(run,), started_at=started,
    )




@raises("DURATION_REGRESSION", "LONGER_THAN_USUAL")
async def produce(scope) -> list[Finding]:
    """DURATION_REGRESSION and LONGER_THAN_USUAL over every job, from one statement. The recent period and the
    baseline end at `scope.now` (settings), not at the window's end: a regression is about the job now."""
    spans = duration_spans(scope.now, scope.thresholds)
    rows = await scope.loaders.insight_questions.load(DurationStatsQuery(spans))
    jobs, running = stats_by_job(rows)
    findings: list[Finding] = []
    for job, row in jobs.items():
        t = trend(row, spans, scope.thresholds)
        if t.regressed:
            findings.append(regression_finding(job, t, scope.thresholds))
    for job, runs in running.items():
        base = jobs.get(job) or {}
        p95, count = base.get("baseline_p95_seconds"), base.get("baseline_runs") or 0
        for run in runs:
            elapsed = (scope.now - run["start_time"]).total_seconds()
            if longer_than_usual(elapsed, p95, count, scope.thresholds):
                findings.append(longer_than_usual_finding(job, run_key(run), run["start_time"], elapsed, p95,
                                                          scope.thresholds))
    return findings
