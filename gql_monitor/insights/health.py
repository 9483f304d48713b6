"""Job health: how a job's latest runs went, the priority that follows (P1, P2, P3 or HEALTHY) and why, and the
FAILING_STREAK and LOW_SUCCESS_RATE alerts. docs/metrics.md ("Job health") states the rule. `jobs_ranked.sql`
applies the same rule in SQL to sort and filter jobs before paging; tests/api/test_job_orders.py holds the two to the
same verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from gql_monitor.insights.producer import Scope, raises
from gql_monitor.insights.findings import Evidence, Finding, Severity
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.questions import Row
from gql_monitor.questions.job_health import JobHealthQuery
from gql_monitor.questions.keys import JobKey, RunKey, job_key


class Priority(Enum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    HEALTHY = "HEALTHY"


# The rank `jobs_ranked.sql` sorts by (1 first).
PRIORITY_RANK = {Priority.P1: 1, Priority.P2: 2, Priority.P3: 3, Priority.HEALTHY: 4}


class Rule(Enum):
    FAILURE_STREAK = "FAILURE_STREAK"
    LATEST_RUN_FAILED = "LATEST_RUN_FAILED"
    SUCCESS_RATE_BELOW_P2 = "SUCCESS_RATE_BELOW_P2"
    SUCCESS_RATE_BELOW_P3 = "SUCCESS_RATE_BELOW_P3"


@dataclass(frozen=True)
class Runs:
    """Finished runs that started in a window: how many, how many succeeded, how many failed."""

    finished: int
    succeeded: int
    failed: int

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.finished if self.finished else None

    def below(self, rate: float, thresholds: Thresholds) -> bool:
        """The success rate is below `rate`, over enough runs with enough failures to be judged. Compared as
        `succeeded < rate × finished`, as SQL compares it, so a rate on the line is judged alike everywhere."""
        return (self.finished >= thresholds.health_min_finished_runs
                and self.failed >= thresholds.health_min_failed_runs
                and self.succeeded < rate * self.finished)


@dataclass(frozen=True)
class HealthFigures:
    """One job's runs as of `now` (job_health.sql): the last 7 and 30 days, its current failure streak."""

    job: JobKey
    last_7_days: Runs
    last_30_days: Runs
    failure_streak: int
    failing_since: datetime | None
    last_success_time: datetime | None
    # The newest failed runs (at most 10), newest first, and whether each started in the last 7 days.
    failed_runs: tuple[tuple[RunKey, bool], ...] = ()
    deleted: bool = False

    @classmethod
    def from_row(cls, row: Row) -> "HealthFigures":
        failed = sorted(row["failed_runs"] or [], key=lambda run: (run["start_time"], run["run_id"]), reverse=True)
        return cls(
            job=job_key(row),
            last_7_days=Runs(row["finished_7d"], row["succeeded_7d"], row["failed_7d"]),
            last_30_days=Runs(row["finished_30d"], row["succeeded_30d"], row["failed_30d"]),
            failure_streak=row["failure_streak"],
            failing_since=row["failing_since"],
            last_success_time=row["last_success_time"],
            failed_runs=tuple((RunKey(f"{row['workspace_id']}:{run['run_id']}"), bool(run["in_week"]))
                              for run in failed),
            deleted=bool(row.get("deleted")),
        )

    @classmethod
    def no_runs(cls, job: JobKey) -> "HealthFigures":
        """A job that finished no run in the last 30 days."""
        return cls(job, Runs(0, 0, 0), Runs(0, 0, 0), 0, None, None)

    @property
    def streak_runs(self) -> tuple[RunKey, ...]:
        return tuple(run for run, _ in self.failed_runs[:self.failure_streak])

    @property
    def recent_failed_runs(self) -> tuple[RunKey, ...]:
        return tuple(run for run, in_week in self.failed_runs if in_week)


@dataclass(frozen=True)
class Reason:
    """A condition of the rule that holds, the priority it sets, and the figure and threshold behind it."""

    rule: Rule
    priority: Priority
    value: float
    threshold: float | None


@dataclass(frozen=True)
class Verdict:
    priority: Priority
    # Every condition that holds, most severe first: the first set the priority.
    reasons: tuple[Reason, ...]


def judge(figures: HealthFigures, thresholds: Thresholds) -> Verdict:
    """P1: a failure streak of at least `health_p1_failure_streak`. P2: the latest finished run failed (a streak of
    one or more), or the 7-day success rate is below `health_p2_success_rate`. P3: the 7-day success rate is below
    `health_p3_success_rate`. A rate is judged only over `health_min_finished_runs` finished runs with at least
    `health_min_failed_runs` failures. HEALTHY otherwise, including a job with no finished run in 30 days."""
    week = figures.last_7_days
    streak = figures.failure_streak
    rate = week.success_rate
    reasons = []
    if streak >= thresholds.health_p1_failure_streak:
        reasons.append(Reason(Rule.FAILURE_STREAK, Priority.P1, streak, thresholds.health_p1_failure_streak))
    if streak >= 1:
        reasons.append(Reason(Rule.LATEST_RUN_FAILED, Priority.P2, streak, None))
    if rate is not None and week.below(thresholds.health_p2_success_rate, thresholds):
        reasons.append(Reason(Rule.SUCCESS_RATE_BELOW_P2, Priority.P2, rate, thresholds.health_p2_success_rate))
    if rate is not None and week.below(thresholds.health_p3_success_rate, thresholds):
        reasons.append(Reason(Rule.SUCCESS_RATE_BELOW_P3, Priority.P3, rate, thresholds.health_p3_success_rate))
    return Verdict(reasons[0].priority if reasons else Priority.HEALTHY, tuple(reasons))


# -- alerts ------------------------------------------------------------------------------------------------------


def findings(figures: HealthFigures, thresholds: Thresholds, now: datetime) -> list[Finding]:
    """FAILING_STREAK (CRITICAL) at the P1 streak; else LOW_SUCCESS_RATE (WARNING) when the 7-day success rate is below
    the P3 threshold. A streak already explains the low rate it causes, so a job raises one of the two, not both.
    Deleted jobs raise nothing: nobody can fix them."""
    if figures.deleted:
        return []
    verdict = judge(figures, thresholds)
    rules = {reason.rule for reason in verdict.reasons}
    since_success = (now - figures.last_success_time).total_seconds() if figures.last_success_time else None
    last_success = Evidence("secondsSinceLastSuccess", since_success, None, "seconds")
    if Rule.FAILURE_STREAK in rules:
        streak = figures.failure_streak
        since = figures.failing_since
        return [Finding(
            kind="FAILING_STREAK", severity=Severity.CRITICAL, job=figures.job,
            title=f"Failed {streak} runs in a row since {since:%Y-%m-%d %H:%M} UTC" if since
            else f"Failed {streak} runs in a row",
            evidence=(Evidence("failureStreak", streak, thresholds.health_p1_failure_streak, "runs"), last_success),
            next_step="Open the latest failed run's error (its failed tasks' error messages) and fix the cause; the "
                      "streak ends with the next successful run. Pause the schedule if every run will fail until then.",
            runs=figures.streak_runs[:10], started_at=since,
        )]
    if Rule.SUCCESS_RATE_BELOW_P3 in rules:
        week = figures.last_7_days
        return [Finding(
            kind="LOW_SUCCESS_RATE", severity=Severity.WARNING, job=figures.job,
            title=f"{week.succeeded} of {week.finished} runs succeeded in the last 7 days "
                  f"({week.success_rate:.0%})",
            evidence=(
                Evidence("successRate7d", week.success_rate, thresholds.health_p3_success_rate, "ratio"),
                Evidence("finishedRuns7d", week.finished, thresholds.health_min_finished_runs, "runs"),
                Evidence("failedRuns7d", week.failed, thresholds.health_min_failed_runs, "runs"),
                last_success,
            ),
            next_step="Compare the failed runs' errors and termination codes: one recurring cause (a flaky source, "
                      "a library, a timeout) is worth fixing; add retries only for transient errors.",
            runs=figures.recent_failed_runs[:10],
        )]
    return []


@raises("FAILING_STREAK", "LOW_SUCCESS_RATE")
async def health_findings(scope: Scope) -> list[Finding]:
    """Health is as of `now`, whatever window the alerts are asked for: one statement over every job."""
    rows = await scope.loaders.health_of_all_jobs.load(JobHealthQuery(scope.now))
    return [finding for row in rows for finding in findings(HealthFigures.from_row(row), scope.thresholds, scope.now)]
