"""Job health and its alerts (FAILING_STREAK, LOW_SUCCESS_RATE) on the synthetic workspace, against figures computed
independently from the run timeline in plain DuckDB, and against the generator's plans (workspace_state.job_plans)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conftest import NOW, RunningMonitor, gql, monitor_settings
from api.helpers import case, truth
from gql_monitor.graphql.context import window_clock
from gql_monitor.insights.health import HealthFigures, Priority, Runs, judge
from gql_monitor.insights.thresholds import Thresholds

AS_OF = window_clock(NOW)  # the operation's "now": health windows end here
FAILED = {"FAILED", "ERROR", "TIMED_OUT"}

HEALTH = """{ asOf priority reasons { rule priority value threshold }
  last7Days { finishedRuns succeededRuns failedRuns successRate }
  last30Days { finishedRuns succeededRuns failedRuns successRate }
  failureStreak failingSince lastSuccessTime secondsSinceLastSuccess }"""


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def timeline_runs(workspace) -> dict[str, list[tuple[datetime, str | None, datetime | None]]]:
    """Per job key, its whole runs that started in the 30 days before AS_OF (and not before: no slice in the week
    before), as (start, outcome, end), oldest first. A run's outcome is its latest slice's result state: a run whose
    latest slice has none is running or being repaired."""
    start = AS_OF - timedelta(days=30)
    rows = truth(workspace, """
        WITH r AS (
          SELECT workspace_id, job_id, run_id, min(period_start_time) AS started,
                 arg_max(result_state, (period_start_time, period_end_time)) AS outcome,
                 arg_max(period_end_time, (period_start_time, period_end_time)) AS ended,
                 bool_or(period_start_time < ?) AS earlier
          FROM lakeflow.job_run_timeline WHERE period_start_time >= ? - INTERVAL 7 DAY
          GROUP BY ALL)
        SELECT workspace_id || ':' || job_id, started, outcome, ended FROM r
        WHERE NOT earlier AND started >= ? AND started < ? ORDER BY started, run_id""", [start, start, start, AS_OF])
    runs: dict[str, list] = {}
    for job, started, outcome, ended in rows:
        runs.setdefault(job, []).append((started, outcome, ended if outcome else None))
    return runs


def expected_figures(job: str, runs: list) -> HealthFigures:
    finished = [(s, o, e) for s, o, e in runs if o is not None]
    week = [o for s, o, _ in finished if s >= AS_OF - timedelta(days=7)]
    streak, since, last_success = 0, None, None
    for started, outcome, ended in reversed(finished):
        if outcome == "SUCCEEDED":
            last_success = ended
            break
        if outcome in FAILED:
            streak, since = streak + 1, started
    return HealthFigures(
        job, Runs(len(week), week.count("SUCCEEDED"), sum(o in FAILED for o in week)),
        Runs(len(finished), sum(o == "SUCCEEDED" for _, o, _ in finished), sum(o in FAILED for _, o, _ in finished)),
        streak, since, last_success)


@pytest.fixture(scope="module")
def figures(workspace) -> dict[str, HealthFigures]:
    return {job: expected_figures(job, runs) for job, runs in timeline_runs(workspace).items()}


@pytest.fixture(scope="module")
def plans(workspace) -> dict[str, str]:
    return {job: profile for job, profile in truth(
        workspace, "SELECT workspace_id || ':' || job_id, profile FROM workspace_state.job_plans")}


def all_jobs(client, fields: str) -> list[dict]:
    nodes, after = [], None
    while True:
        page = gql(client, "query($after: String) { jobs(first: 100, after: $after, filter: {includeDeleted: true}) "
                           "{ nodes { id %s } pageInfo { hasNextPage endCursor } } }" % fields, {"after": after})
        nodes += page["data"]["jobs"]["nodes"]
        if not page["data"]["jobs"]["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["data"]["jobs"]["pageInfo"]["endCursor"]


def at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def test_the_planted_failing_streak_is_p1_with_the_streak_the_timeline_shows(client, workspace, figures):
    ws, job, _ = case(workspace, "failing_streak")
    key = f"{ws}:{job}"
    want = figures[key]
    assert want.failure_streak >= 4, "the generator fails the last 4 to 8 finished runs"
    health = gql(client, "query($id: ID!) { job(id: $id) { health %s } }"
                 % HEALTH.replace("asOf", "asOf latestFailure { startTime resultState }"),
                 {"id": key})["data"]["job"]["health"]
    assert health["priority"] == "P1"
    newest = max(started for started, outcome, _ in timeline_runs(workspace)[key] if outcome in FAILED)
    assert at(health["latestFailure"]["startTime"]) == newest and health["latestFailure"]["resultState"] in FAILED
    assert health["reasons"][0] == {"rule": "FAILURE_STREAK", "priority": "P1", "value": want.failure_streak,
                                    "threshold": 3}
    assert health["failureStreak"] == want.failure_streak
    assert at(health["failingSince"]) == want.failing_since
    assert at(health["lastSuccessTime"]) == want.last_success_time
    assert health["secondsSinceLastSuccess"] == (AS_OF - want.last_success_time).total_seconds()
    assert at(health["asOf"]) == AS_OF
    assert health["last7Days"] == {"finishedRuns": want.last_7_days.finished,
                                   "succeededRuns": want.last_7_days.succeeded,
                                   "failedRuns": want.last_7_days.failed, "successRate": want.last_7_days.success_rate}


def test_the_flaky_job_is_flagged_by_its_seven_day_success_rate(client, workspace, figures):
    ws, job, _ = case(workspace, "flaky_job")
    want = figures[f"{ws}:{job}"].last_7_days
    health = gql(client, "query($id: ID!) { job(id: $id) { health %s } }" % HEALTH,
                 {"id": f"{ws}:{job}"})["data"]["job"]["health"]
    assert health["priority"] == "P3"
    assert health["reasons"] == [{"rule": "SUCCESS_RATE_BELOW_P3", "priority": "P3",
                                  "value": want.success_rate, "threshold": 0.85}]
    assert health["last7Days"]["successRate"] == want.success_rate < 0.85
    assert want.finished >= 5 and want.failed >= 2


def test_every_jobs_health_follows_the_rule_on_the_timelines_figures(client, figures, plans):
    jobs = all_jobs(client, "health %s" % HEALTH)
    assert len(jobs) == len(plans)
    flagged = {}
    for job in jobs:
        want = figures.get(job["id"], HealthFigures.no_runs(job["id"]))
        health = job["health"]
        assert (health["failureStreak"], at(health["failingSince"]), at(health["lastSuccessTime"])) == \
            (want.failure_streak, want.failing_since, want.last_success_time), job["id"]
        assert health["last30Days"]["finishedRuns"] == want.last_30_days.finished, job["id"]
        assert health["last30Days"]["successRate"] == want.last_30_days.success_rate, job["id"]
        assert health["priority"] == judge(want, Thresholds()).priority.value, job["id"]
        if health["priority"] != "HEALTHY":
            flagged[job["id"]] = health
    # Every job the generator plants a failure streak in is P1; nothing else is.
    assert {job for job, h in flagged.items() if h["priority"] == "P1"} == \
        {job for job, profile in plans.items() if profile == "failing_streak"}
    # A steady job (2.6% failures) is flagged only because its latest finished run really failed: the rule's P2
    # "latest run failed", which the tables show. No steady job is flagged for its success rate.
    for job, health in flagged.items():
        if plans[job] == "steady":
            assert [r["rule"] for r in health["reasons"]] == ["LATEST_RUN_FAILED"], job
            assert figures[job].failure_streak == 1


def expected_alerts(figures: dict[str, HealthFigures], deleted: set[str], thresholds: Thresholds) -> set:
    """(kind, job) every alert should be, from the timeline's figures."""
    out = set()
    for job, fig in figures.items():
        if job in deleted:
            continue
        week = fig.last_7_days
        if fig.failure_streak >= thresholds.health_p1_failure_streak:
            out.add(("FAILING_STREAK", job))
        elif week.finished >= thresholds.health_min_finished_runs and week.failed >= thresholds.health_min_failed_runs \
                and week.succeeded < thresholds.health_p3_success_rate * week.finished:
            out.add(("LOW_SUCCESS_RATE", job))
    return out


@pytest.fixture(scope="module")
def deleted(workspace) -> set[str]:
    return {job for (job,) in truth(workspace, "SELECT workspace_id || ':' || job_id FROM lakeflow.jobs "
                                               "QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id "
                                               "ORDER BY change_time DESC) = 1 AND delete_time IS NOT NULL")}


ALERTS = """query($kinds: [AlertKind!]) { alerts(first: 100, kinds: $kinds) { totalCount nodes {
  kind severity title startedAt nextStep job { id } evidence { name value threshold unit } runs { id resultState } } } }"""


def health_alerts(client) -> list[dict]:
    return gql(client, ALERTS, {"kinds": ["FAILING_STREAK", "LOW_SUCCESS_RATE"]})["data"]["alerts"]["nodes"]


def test_health_alerts_are_exactly_the_expected_ones_and_no_steady_job_raises_one(client, figures, plans, deleted):
    alerts = health_alerts(client)
    raised = {(a["kind"], a["job"]["id"]) for a in alerts}
    assert raised == expected_alerts(figures, deleted, Thresholds())
    assert {job for kind, job in raised if kind == "FAILING_STREAK"} == \
        {job for job, profile in plans.items() if profile == "failing_streak"}
    assert not [job for _, job in raised if plans[job] == "steady"]
    assert {plans[job] for kind, job in raised if kind == "LOW_SUCCESS_RATE"} == {"flaky"}


def test_a_failing_streak_alert_carries_its_evidence_and_runs(client, workspace, figures):
    ws, job, _ = case(workspace, "failing_streak")
    want = figures[f"{ws}:{job}"]
    (alert,) = [a for a in health_alerts(client) if a["job"]["id"] == f"{ws}:{job}"]
    assert alert["kind"] == "FAILING_STREAK" and alert["severity"] == "CRITICAL"
    assert at(alert["startedAt"]) == want.failing_since
    assert alert["evidence"] == [
        {"name": "failureStreak", "value": want.failure_streak, "threshold": 3, "unit": "runs"},
        {"name": "secondsSinceLastSuccess", "value": (AS_OF - want.last_success_time).total_seconds(),
         "threshold": None, "unit": "seconds"},
    ]
    assert len(alert["runs"]) == min(want.failure_streak, 10)
    assert {run["resultState"] for run in alert["runs"]} <= FAILED
    assert "latest failed run" in alert["nextStep"]


def test_a_low_success_rate_alert_carries_its_evidence(client, workspace, figures):
    ws, job, _ = case(workspace, "flaky_job")
    week = figures[f"{ws}:{job}"].last_7_days
    (alert,) = [a for a in health_alerts(client) if a["job"]["id"] == f"{ws}:{job}"]
    assert alert["kind"] == "LOW_SUCCESS_RATE" and alert["severity"] == "WARNING"
    assert alert["evidence"][:3] == [
        {"name": "successRate7d", "value": week.success_rate, "threshold": 0.85, "unit": "ratio"},
        {"name": "finishedRuns7d", "value": week.finished, "threshold": 5, "unit": "runs"},
        {"name": "failedRuns7d", "value": week.failed, "threshold": 2, "unit": "runs"},
    ]
    assert len(alert["runs"]) == week.failed and {r["resultState"] for r in alert["runs"]} <= FAILED


def test_thresholds_from_settings_change_the_verdicts(workspace, figures, plans, deleted):
    changed = Thresholds(health_p1_failure_streak=5, health_p3_success_rate=0.9)
    settings = monitor_settings(workspace, health_p1_failure_streak=5, health_p3_success_rate=0.9)
    with RunningMonitor(settings) as mon, mon.client() as client:
        jobs = {job["id"]: job["health"] for job in all_jobs(client, "health { priority failureStreak }")}
        raised = {(a["kind"], a["job"]["id"]) for a in health_alerts(client)}
    streaks = {job: fig.failure_streak for job, fig in figures.items() if plans[job] == "failing_streak"}
    assert any(s < 5 for s in streaks.values()) and any(s >= 5 for s in streaks.values())
    for job, streak in streaks.items():
        assert jobs[job]["priority"] == ("P1" if streak >= 5 else "P2")
    assert raised == expected_alerts(figures, deleted, changed)
    assert {job for kind, job in raised if kind == "FAILING_STREAK"} == {j for j, s in streaks.items() if s >= 5}
    # At 90% a steady job with two failures among its week's runs (and a cancelled or skipped one) is now P3.
    newly = {job for job, fig in figures.items() if judge(fig, changed).priority is Priority.P3
             and judge(fig, Thresholds()).priority is Priority.HEALTHY}
    assert newly and all(jobs[job]["priority"] == "P3" for job in newly)
    assert raised != expected_alerts(figures, deleted, Thresholds())


def test_health_costs_one_statement_for_a_page_and_alerts_one_for_every_job(uncached_monitor):
    with uncached_monitor.client() as client:
        page = gql(client, "{ jobs(first: 50) { nodes { id health { priority failureStreak } } } }")
        assert page["extensions"]["cost"]["warehouseStatements"] == 2  # the page, the page's health
        small = gql(client, "{ jobs(first: 5) { nodes { id health { priority } } } }")
        assert small["extensions"]["cost"]["warehouseStatements"] == 2
        alerts = gql(client, "{ alerts(first: 100, kinds: [FAILING_STREAK, LOW_SUCCESS_RATE]) { nodes { kind } } }")
        assert alerts["extensions"]["cost"]["warehouseStatements"] == 1
        # The alerts' jobs and runs: one statement each, whatever the number of alerts.
        full = gql(client, "{ alerts(first: 100, kinds: [FAILING_STREAK, LOW_SUCCESS_RATE]) "
                           "{ nodes { job { name } runs { id } } } }")
        assert full["extensions"]["cost"]["warehouseStatements"] == 3
        streaks = gql(client, "{ jobs(first: 50) { nodes { health { latestFailure { id } } } } }")
        assert streaks["extensions"]["cost"]["warehouseStatements"] == 3


def test_expected_figures_agree_with_the_rule_helpers():
    # The truth's own bookkeeping: a streak ends at a success, and cancelled runs neither count nor end it.
    t = AS_OF - timedelta(hours=1)
    runs = [(t - timedelta(hours=5), "FAILED", t), (t - timedelta(hours=4), "SUCCEEDED", t),
            (t - timedelta(hours=3), "ERROR", t), (t - timedelta(hours=2), "CANCELLED", t),
            (t - timedelta(hours=1), "TIMED_OUT", t), (t, None, None)]
    fig = expected_figures("1:1", runs)
    assert (fig.failure_streak, fig.failing_since) == (2, t - timedelta(hours=3))
    assert fig.last_7_days == Runs(5, 1, 3)
