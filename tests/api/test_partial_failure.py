"""One failing source degrades its own fields, not the whole response."""

from __future__ import annotations

from conftest import RunningMonitor, gql, monitor_settings
from api.helpers import case, truth


def test_jobs_api_failure_nulls_live_fields_only(uncached_monitor, workspace, faults):
    ws, _, run = case(workspace, "repaired_run", home=True)
    faults.update({"jobs_api_500_rate": 1.0})
    # Uncached: the shared monitor may hold this run's live answer from an earlier test, and the fault never shows.
    with uncached_monitor.client() as client:
        body = gql(client, 'query($id: ID!) { run(id: $id) { resultState repairCount live { stateMessage } } }',
                   {"id": f"{ws}:{run}"}, expect_errors=True)
    assert body["data"]["run"]["resultState"] is not None
    assert body["data"]["run"]["live"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"JOBS_API_UNAVAILABLE"}
    assert body["errors"][0]["path"] == ["run", "live"]


def test_live_fields_are_there_when_the_api_answers(monitor, workspace):
    ws, _, run = case(workspace, "repaired_run", home=True)
    with monitor.client() as client:
        body = gql(client, 'query($id: ID!) { run(id: $id) { live { lifeCycleState runPageUrl repairHistory { type } } } }',
                   {"id": f"{ws}:{run}"})
    live = body["data"]["run"]["live"]
    assert live["runPageUrl"].endswith(run)
    assert [r["type"] for r in live["repairHistory"]][:2] == ["ORIGINAL", "REPAIR"]


def test_warehouse_failure_is_warehouse_unavailable(workspace, faults):
    faults.update({"warehouse_cold_start_seconds": 60})
    # A monitor of its own: the shared one may hold these answers in its cache.
    with RunningMonitor(monitor_settings(workspace)) as monitor, monitor.client() as client:
        body = gql(client, '{ viewer { userName } dataFreshness { latestUsageEndTime } }', expect_errors=True)
    assert body["data"] is None or body["data"]["viewer"]["userName"] == "admin@example.com"
    assert {e["extensions"]["code"] for e in body["errors"]} == {"WAREHOUSE_UNAVAILABLE"}
    faults.update({"warehouse_cold_start_seconds": 0})


def test_runs_of_other_workspaces_have_no_live_fields_and_cost_no_call(uncached_monitor, workspace):
    ws, run = truth(workspace, "SELECT workspace_id, run_id FROM lakeflow.job_run_timeline WHERE workspace_id <> "
                               "(SELECT value FROM workspace_state.meta WHERE key = 'home_workspace_id') "
                               "ORDER BY run_id LIMIT 1")[0]
    with uncached_monitor.client() as client:
        body = gql(client, 'query($id: ID!) { run(id: $id) { runId live { stateMessage } } }', {"id": f"{ws}:{run}"})
    assert body["data"]["run"] == {"runId": run, "live": None}
    assert body["extensions"]["cost"]["jobsApiCalls"] == 0


def test_a_forbidden_table_field_leaves_the_live_fields_standing(monitor):
    with monitor.client(token="local-analyst") as client:
        body = gql(client, "{ viewer { userName } activeRuns(first: 5) { nodes { id } } jobs(first: 5) { totalCount } }",
                   expect_errors=True)
    assert body["data"]["viewer"]["userName"] == "analyst@example.com"
    assert body["data"]["activeRuns"] is not None and body["data"]["jobs"] is None
    assert [e["path"] for e in body["errors"]] == [["jobs"]]
