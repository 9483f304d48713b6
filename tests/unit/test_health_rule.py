"""The job health rule (insights/health.py) on figures made up to sit on each threshold."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gql_monitor.insights.findings import Severity
from gql_monitor.insights.health import HealthFigures, Priority, Rule, Runs, findings, judge
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.questions.keys import JobKey, RunKey

NOW = datetime(2026, 11, 20, 12, 5, tzinfo=timezone.utc)
JOB = JobKey("1:2")
T = Thresholds()


def figures(week=Runs(0, 0, 0), streak=0, **kw) -> HealthFigures:
    return HealthFigures(JOB, week, week, streak, NOW - timedelta(days=1) if streak else None,
                         kw.pop("last_success", NOW - timedelta(days=2)), **kw)


def rules(fig: HealthFigures, thresholds: Thresholds = T) -> list[Rule]:
    return [reason.rule for reason in judge(fig, thresholds).reasons]


def test_a_streak_at_the_threshold_is_p1_and_one_below_is_p2():
    assert judge(figures(streak=3), T).priority is Priority.P1
    assert rules(figures(streak=3)) == [Rule.FAILURE_STREAK, Rule.LATEST_RUN_FAILED]
    assert judge(figures(streak=2), T).priority is Priority.P2
    assert judge(figures(streak=1), T).priority is Priority.P2
    assert judge(figures(streak=5), Thresholds(health_p1_failure_streak=6)).priority is Priority.P2


def test_a_rate_is_judged_only_over_enough_runs_with_enough_failures():
    # 3 of 5 succeeded (60%) with 2 failures: below both rates.
    assert rules(figures(Runs(5, 3, 2))) == [Rule.SUCCESS_RATE_BELOW_P2, Rule.SUCCESS_RATE_BELOW_P3]
    assert judge(figures(Runs(4, 2, 2)), T).priority is Priority.HEALTHY  # too few finished runs
    assert judge(figures(Runs(5, 3, 1)), T).priority is Priority.HEALTHY  # one failure is not a trend
    assert judge(figures(Runs(5, 3, 1)), Thresholds(health_min_failed_runs=1)).priority is Priority.P2


def test_rates_on_the_threshold_are_not_below_it():
    assert judge(figures(Runs(5, 4, 1)), Thresholds(health_min_failed_runs=1)).priority is Priority.P3  # 80% < 85%
    assert rules(figures(Runs(10, 8, 2))) == [Rule.SUCCESS_RATE_BELOW_P3]  # 80% is not below 80%
    assert judge(figures(Runs(20, 17, 3)), T).priority is Priority.HEALTHY  # 85% is not below 85%
    assert judge(figures(Runs(20, 17, 3)), Thresholds(health_p3_success_rate=0.9)).priority is Priority.P3


def test_cancelled_and_skipped_runs_lower_the_rate_but_are_not_failures():
    # 7 finished, 5 succeeded, 2 cancelled: 71% but no failure to judge.
    assert judge(figures(Runs(7, 5, 0)), T).priority is Priority.HEALTHY


def test_no_runs_is_healthy():
    verdict = judge(HealthFigures.no_runs(JOB), T)
    assert verdict.priority is Priority.HEALTHY and verdict.reasons == ()


def test_a_streak_raises_one_critical_alert_not_a_rate_alert_too():
    runs = tuple((RunKey(f"1:{i}"), True) for i in range(12))
    (finding,) = findings(figures(Runs(8, 0, 8), streak=12, failed_runs=runs), T, NOW)
    assert (finding.kind, finding.severity) == ("FAILING_STREAK", Severity.CRITICAL)
    assert finding.runs == tuple(run for run, _ in runs[:10])
    assert finding.evidence[1].value == timedelta(days=2).total_seconds()
    assert finding.started_at == NOW - timedelta(days=1)


def test_a_low_rate_raises_a_warning_with_the_weeks_failed_runs():
    runs = ((RunKey("1:9"), True), (RunKey("1:8"), True), (RunKey("1:7"), False))
    (finding,) = findings(figures(Runs(10, 7, 3), failed_runs=runs), T, NOW)
    assert (finding.kind, finding.severity) == ("LOW_SUCCESS_RATE", Severity.WARNING)
    assert finding.runs == (RunKey("1:9"), RunKey("1:8"))
    assert [(e.name, e.value, e.threshold) for e in finding.evidence[:3]] == [
        ("successRate7d", 0.7, 0.85), ("finishedRuns7d", 10, 5), ("failedRuns7d", 3, 2)]


def test_a_latest_failure_alone_and_deleted_jobs_raise_nothing():
    assert findings(figures(Runs(7, 6, 1), streak=1), T, NOW) == []
    assert findings(figures(Runs(8, 0, 8), streak=8, deleted=True), T, NOW) == []
    assert findings(figures(Runs(8, 0, 8), streak=8, last_success=None), T, NOW)[0].evidence[1].value is None
