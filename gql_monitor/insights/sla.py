"""SLAs: a job's target duration (its SLA tag, else the default setting), the finished runs that exceeded it, and
the runs in progress that have used up most of it. docs/metrics.md, "SLAs", defines each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping

from gql_monitor.insights.producer import raises
from gql_monitor.insights.findings import Evidence, Finding, Severity
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.loaders.durations import JobSlaRuns, split_sla_runs
from gql_monitor.questions.keys import JobKey, job_key, run_key
from gql_monitor.questions.sla_runs import JobTarget, SlaRunsQuery
from gql_monitor.questions.sla_targets import SlaTargetsQuery
from gql_monitor.questions.windows import Window

# Whole minutes, ASCII digits only (str.isdigit would take "٣"), up to a year: the settings' own bound.
_MINUTES = re.compile(r"[0-9]{1,6}")
MAX_SLA_MINUTES = 525_600


@dataclass(frozen=True)
class SlaTarget:
    minutes: int | None
    source: str | None  # "TAG" or "SETTING"; None when the job has no SLA
    # Why the job's tag was ignored; None when it has no such tag or the tag was used.
    tag_problem: str | None = None

    @property
    def seconds(self) -> int | None:
        return self.minutes * 60 if self.minutes is not None else None


def sla_target(tags: Mapping[str, str] | None, thresholds: Thresholds) -> SlaTarget:
    """The tag's value when it is a whole number of minutes in 1..525600 (surrounding spaces allowed), else the
    default setting; a tag that cannot be read is ignored and said so, never guessed at."""
    raw = (tags or {}).get(thresholds.sla_tag)
    problem = None
    if raw is not None:
        value = raw.strip()
        if _MINUTES.fullmatch(value) and 1 <= int(value) <= MAX_SLA_MINUTES:
            return SlaTarget(int(value), "TAG")
        problem = (f"The `{thresholds.sla_tag}` tag's value is not a whole number of minutes between 1 and "
                   f"{MAX_SLA_MINUTES}; it is ignored.")
    if thresholds.default_sla_minutes is not None:
        return SlaTarget(thresholds.default_sla_minutes, "SETTING", problem)
    return SlaTarget(None, None, problem)


@dataclass(frozen=True)
class RunAtRisk:
    row: dict
    elapsed_seconds: float
    share: float  # elapsed / target


def at_risk(runs: JobSlaRuns, target: SlaTarget, now: datetime, thresholds: Thresholds) -> list[RunAtRisk]:
    """Runs in progress whose elapsed time is at least `sla_at_risk_share` of the target (past it too), newest first."""
    if target.seconds is None:
        return []
    found = []
    for row in runs.running:
        elapsed = max(0.0, (now - row["start_time"]).total_seconds())
        share = elapsed / target.seconds
        if share >= thresholds.sla_at_risk_share:
            found.append(RunAtRisk(row, elapsed, share))
    return sorted(found, key=lambda r: r.row["start_time"], reverse=True)


def breach_days(runs: JobSlaRuns, window: Window) -> list[tuple[date, int]]:
    """Breaches per UTC day the window touches (by the run's start), zeros included, oldest first."""
    counts: dict[date, int] = {}
    for row in runs.breaches:
        day = row["start_time"].date()
        counts[day] = counts.get(day, 0) + 1
    first, last = window.start.date(), (window.end - timedelta(microseconds=1)).date()
    return [(first + timedelta(days=n), counts.get(first + timedelta(days=n), 0))
            for n in range((last - first).days + 1)]


def newest_first(rows) -> list[dict]:
    return sorted(rows, key=lambda r: r["start_time"], reverse=True)


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def breach_finding(job: JobKey, target: SlaTarget, runs: JobSlaRuns) -> Finding:
    """CRITICAL when the job's latest finished run breached (the SLA is being missed now), WARNING when only
    earlier runs of the window did."""
    breaches = newest_first(runs.breaches)
    latest_breached = breaches[0]["start_time"] == runs.latest_finished_start
    longest = max(r["duration_seconds"] for r in breaches)
    return Finding(
        kind="SLA_BREACH", severity=Severity.CRITICAL if latest_breached else Severity.WARNING, job=job,
        title=f"{len(breaches)} of {runs.finished_runs} finished runs took longer than the {target.minutes} min SLA"
              + (", the latest included" if latest_breached else ""),
        evidence=(
            Evidence("breaches", len(breaches), None, "runs"),
            Evidence("finishedRuns", runs.finished_runs, None, "runs"),
            Evidence("longestDurationMinutes", _minutes(longest), target.minutes, "minutes"),
            Evidence("latestRunBreached", 1.0 if latest_breached else 0.0, None, ""),
        ),
        next_step="Look at what the slow runs have in common (input size, cluster, time of day); raise the SLA tag "
                  "if the target no longer fits the job.",
        runs=tuple(run_key(r) for r in breaches[:10]),
        started_at=breaches[-1]["start_time"],
    )


def at_risk_finding(job: JobKey, target: SlaTarget, run: RunAtRisk, thresholds: Thresholds) -> Finding:
    over = run.share >= 1
    return Finding(
        kind="SLA_AT_RISK", severity=Severity.CRITICAL, job=job,
        title=f"Running for {_minutes(run.elapsed_seconds)} min of its {target.minutes} min SLA"
              + (" (already past it)" if over else ""),
        evidence=(
            Evidence("elapsedMinutes", _minutes(run.elapsed_seconds),
                     round(target.minutes * thresholds.sla_at_risk_share, 1), "minutes"),
            Evidence("slaMinutes", target.minutes, None, "minutes"),
            Evidence("shareOfSla", round(run.share, 3), thresholds.sla_at_risk_share, "ratio"),
        ),
        next_step="Check the run now: whoever depends on its output may need a heads-up; look for a stuck task.",
        runs=(run_key(run.row),), started_at=run.row["start_time"],
    )




@raises("SLA_BREACH", "SLA_AT_RISK")
async def produce(scope) -> list[Finding]:
    """SLA_BREACH and SLA_AT_RISK over every job with a target: two statements (the targets, then their runs)."""
    thresholds = scope.thresholds
    rows = await scope.loaders.insight_questions.load(
        SlaTargetsQuery(thresholds.sla_tag, thresholds.default_sla_minutes is not None, scope.now))
    targets: dict[JobKey, SlaTarget] = {}
    for row in rows:
        target = sla_target({thresholds.sla_tag: row["sla_tag_value"]} if row["sla_tag_value"] is not None else {},
                            thresholds)
        if target.seconds is not None:
            targets[job_key(row)] = target
    if not targets:
        return []
    question = SlaRunsQuery(tuple(JobTarget(job, t.seconds) for job, t in sorted(targets.items())), scope.window)
    by_job = split_sla_runs(await scope.loaders.insight_questions.load(question))
    findings: list[Finding] = []
    for job, runs in by_job.items():
        target = targets[job]
        if runs.breaches:
            findings.append(breach_finding(job, target, runs))
        findings.extend(at_risk_finding(job, target, run, thresholds) for run in at_risk(runs, target, scope.now,
                                                                                          thresholds))
    return findings
