"""The fields the run page's timeline and the live running panels read (issue 12): task run phases, a running run's
usual p50 and the instant its page was read, a run's live state before the tables hold it, links into Databricks, and
the version a deployment reports. Truths come from the stand-in's tables and state, never through the product's SQL."""

from __future__ import annotations

import statistics
from datetime import datetime

import httpx
import pytest

from api.helpers import case, truth
from api.test_durations_slas_schedules import BASELINE_START, RECENT_START, finished, run_truth
from api.test_visibility import home_workspace, visible_truth
from conftest import NOW, RunningMonitor, gql, monitor_settings
from gql_monitor import __version__


def test_task_runs_carry_the_phases_of_their_end_row(monitor, workspace):
    ws, _, run = case(workspace, "repaired_run", home=True)
    with monitor.client() as c:
        tasks = gql(c, "query($id: ID!) { run(id: $id) { tasks { runId setupDurationSeconds "
                       "executionDurationSeconds cleanupDurationSeconds } } }", {"id": f"{ws}:{run}"})["data"]["run"]["tasks"]
    expected = {r[0]: r[1:] for r in truth(workspace, """
        SELECT run_id, arg_max(setup_duration_seconds, period_end_time), arg_max(execution_duration_seconds,
               period_end_time), arg_max(cleanup_duration_seconds, period_end_time)
        FROM lakeflow.job_task_run_timeline
        WHERE workspace_id = ? AND job_run_id = ? AND result_state IS NOT NULL GROUP BY run_id""", [ws, run])}
    assert len(tasks) == len(expected) > 2
    for task in tasks:
        assert (task["setupDurationSeconds"], task["executionDurationSeconds"], task["cleanupDurationSeconds"]) == \
            expected[task["runId"]]
    assert any(t["setupDurationSeconds"] for t in tasks), "the generator records setup for new rows"


def baseline_p50(workspace, job: str) -> float | None:
    base = [r[5] for r in run_truth(workspace) if r[0] == job and r[4] == "SUCCEEDED" and finished(r)
            and BASELINE_START <= r[2] < RECENT_START]
    return statistics.median(base) if base else None


def test_active_runs_say_their_jobs_usual_p50_and_when_they_were_read(uncached_monitor, workspace):
    with uncached_monitor.client() as c:
        body = gql(c, "{ activeRuns(first: 25) { checkedAt nodes { jobId usualP50Seconds usualP95Seconds } } }")
    # The p50 rides on the p95's statement.
    assert body["extensions"]["cost"]["warehouseStatements"] == 1
    page = body["data"]["activeRuns"]
    # The monitor's clock unrounded (elapsedSeconds counts to the window clock, rounded down to five minutes).
    assert datetime.fromisoformat(page["checkedAt"]) == NOW
    judged = [r for r in page["nodes"] if r["usualP95Seconds"] is not None]
    assert judged
    for run in judged:
        assert run["usualP50Seconds"] == pytest.approx(baseline_p50(workspace, run["jobId"]))
        assert run["usualP50Seconds"] <= run["usualP95Seconds"]


def api_runs(workspace) -> dict[int, tuple[int, bool]]:
    return {r[0]: (r[1], r[2]) for r in truth(workspace, "SELECT run_id, job_id, active FROM workspace_state.runs")}


def test_live_run_answers_before_the_tables_hold_a_run(monitor, workspace):
    ws = home_workspace(workspace)
    # A run the Jobs API lists as running that started after the newest timeline slice.
    newest = truth(workspace, "SELECT max(period_end_time) FROM lakeflow.job_run_timeline")[0][0]
    fresh = truth(workspace, "SELECT run_id FROM workspace_state.runs WHERE active AND start_time > ? "
                             "ORDER BY run_id LIMIT 1", [int(newest.timestamp() * 1000)])
    assert fresh, "the stand-in has a run too new for the tables"
    fresh_id = f"{ws}:{fresh[0][0]}"
    done = truth(workspace, "SELECT run_id, run->>'$.state.life_cycle_state' FROM workspace_state.runs "
                            "WHERE NOT active AND run->>'$.state.result_state' = 'FAILED' ORDER BY run_id LIMIT 1")[0]
    other = next(w for (w,) in truth(workspace, "SELECT DISTINCT workspace_id FROM lakeflow.job_run_timeline") if w != ws)
    query = "query($id: ID!) { run(id: $id) { id } liveRun(id: $id) { lifeCycleState resultState runPageUrl } }"
    with monitor.client() as c:
        now_running = gql(c, query, {"id": fresh_id})["data"]
        ended = gql(c, query, {"id": f"{ws}:{done[0]}"})["data"]["liveRun"]
        elsewhere = gql(c, query, {"id": f"{other}:{done[0]}"})["data"]["liveRun"]
        bad = gql(c, query, {"id": "not-a-run"}, expect_errors=True)
    assert now_running["run"] is None
    assert now_running["liveRun"]["lifeCycleState"] in ("RUNNING", "PENDING", "QUEUED")
    assert now_running["liveRun"]["runPageUrl"].endswith(f"/run/{fresh[0][0]}")
    assert (ended["lifeCycleState"], ended["resultState"]) == (done[1], "FAILED")
    assert elsewhere is None, "the Jobs API serves only its own workspace"
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_live_run_is_cut_to_the_callers_jobs(workspace):
    ws = home_workspace(workspace)
    visible = visible_truth(workspace, "local-team")
    runs = api_runs(workspace)
    mine = next(r for r, (job, _) in sorted(runs.items()) if f"{ws}:{job}" in visible)
    theirs = next(r for r, (job, _) in sorted(runs.items()) if f"{ws}:{job}" not in visible)
    query = "query($id: ID!) { liveRun(id: $id) { lifeCycleState } }"
    with RunningMonitor(monitor_settings(workspace, job_visibility="permissions")) as mon, \
            mon.client("local-team") as c:
        assert gql(c, query, {"id": f"{ws}:{mine}"})["data"]["liveRun"] is not None
        assert gql(c, query, {"id": f"{ws}:{theirs}"})["data"]["liveRun"] is None


def test_jobs_and_runs_link_to_their_pages_in_databricks(monitor, workspace):
    urls = dict(truth(workspace, "SELECT workspace_id, workspace_url FROM access.workspaces_latest"))
    for home in (True, False):
        ws, job, run = next(r for r in truth(workspace, "SELECT workspace_id, job_id, run_id FROM workspace_state.cases "
                                                        "WHERE case_name = 'repaired_run' ORDER BY 1")
                            if (r[0] == home_workspace(workspace)) == home)
        with monitor.client() as c:
            data = gql(c, "query($id: ID!) { run(id: $id) { pageUrl job { pageUrl } } }",
                       {"id": f"{ws}:{run}"})["data"]["run"]
        assert data["job"]["pageUrl"] == f"{urls[ws]}/jobs/{job}?o={ws}"
        assert data["pageUrl"] == f"{urls[ws]}/jobs/{job}/runs/{run}?o={ws}"


def test_the_version_is_reported_by_the_api_and_by_health(monitor):
    with monitor.client() as c:
        assert gql(c, "{ appVersion }")["data"]["appVersion"] == __version__
    # Health is public: a deployment can be confirmed without a token.
    assert httpx.get(monitor.base_url + "/api/health", timeout=60).json()["version"] == __version__


def test_active_runs_say_when_they_become_longer_than_usual_and_at_risk(monitor):
    """The ages past which a run counts as longer than usual and at risk of its SLA, by the rules that judge
    `longerThanUsual` and `sla.atRisk` now: a client ticking a run's age on judges it the same way later."""
    settings = monitor.settings
    with monitor.client() as c:
        runs = gql(c, "{ activeRuns(first: 25) { nodes { elapsedSeconds usualP95Seconds longerThanUsual "
                      "longerThanUsualAfterSeconds sla { targetMinutes atRisk atRiskAfterSeconds } } } }"
                   )["data"]["activeRuns"]["nodes"]
    judged = [r for r in runs if r["longerThanUsualAfterSeconds"] is not None]
    assert judged and any(r["sla"] for r in runs)
    for run in runs:
        after = run["longerThanUsualAfterSeconds"]
        if after is not None:
            assert after == pytest.approx(run["usualP95Seconds"] * settings.longer_than_usual_factor)
            assert run["longerThanUsual"] == (run["elapsedSeconds"] > after)
        else:
            assert run["longerThanUsual"] is False
        if run["sla"]:
            at = run["sla"]["atRiskAfterSeconds"]
            assert at == pytest.approx(run["sla"]["targetMinutes"] * 60 * settings.sla_at_risk_share)
            assert run["sla"]["atRisk"] == (run["elapsedSeconds"] >= at)
