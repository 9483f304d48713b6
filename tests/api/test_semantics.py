"""Each hard case of the synthetic workspace, through the GraphQL API, against an independent truth."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import NOW, gql
from api.helpers import amount, case, cents, priced_usage_rows, truth

WINDOW = {"start": (NOW - timedelta(days=30)).isoformat(), "end": (NOW + timedelta(hours=1)).isoformat()}


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def test_a_renamed_job_shows_its_latest_name(client, workspace):
    ws, job, _ = case(workspace, "renamed_job")
    names = truth(workspace, "SELECT name FROM lakeflow.jobs WHERE workspace_id = ? AND job_id = ? "
                             "ORDER BY change_time", [ws, job])
    assert len({n for (n,) in names}) > 1, "the case should have several names"
    data = gql(client, "query($id: ID!) { job(id: $id) { name inJobsTable nameSource } }", {"id": f"{ws}:{job}"})
    assert data["data"]["job"] == {"name": names[-1][0], "inJobsTable": True, "nameSource": "JOBS_TABLE"}


def test_an_aged_out_job_is_listed_and_named_from_its_usage(client, workspace):
    ws, job, _ = case(workspace, "aged_out_job")
    assert not truth(workspace, "SELECT 1 FROM lakeflow.jobs WHERE workspace_id = ? AND job_id = ?", [ws, job])
    (usage_name,) = truth(workspace, "SELECT max_by(usage_metadata.job_name, usage_end_time) FROM billing.usage "
                                     "WHERE workspace_id = ? AND usage_metadata.job_id = ?", [ws, job])[0]
    data = gql(client, """{ jobs(first: 100, filter: {inJobsTable: false}) { totalCount nodes { id name nameSource } } }""")
    listed = {n["id"]: n for n in data["data"]["jobs"]["nodes"]}
    assert listed[f"{ws}:{job}"]["name"] == usage_name
    assert listed[f"{ws}:{job}"]["nameSource"] == "USAGE"


def test_a_job_id_shared_by_two_workspaces_is_two_jobs(client, workspace):
    _, job, _ = case(workspace, "shared_job_id")
    workspaces = {w for (w,) in truth(workspace, "SELECT DISTINCT workspace_id FROM lakeflow.jobs WHERE job_id = ?",
                                       [job])}
    assert len(workspaces) >= 2
    names = {}
    for ws in workspaces:
        node = gql(client, "query($id: ID!) { job(id: $id) { id workspaceId name } }", {"id": f"{ws}:{job}"})
        names[ws] = node["data"]["job"]
    assert {n["workspaceId"] for n in names.values()} == workspaces


def test_a_long_run_is_assembled_from_its_hourly_slices(client, workspace):
    ws, _, run = case(workspace, "long_run")
    slices = truth(workspace, "SELECT min(period_start_time), max(period_end_time), count(*), "
                              "sum(epoch(period_end_time) - epoch(period_start_time)) FROM lakeflow.job_run_timeline "
                              "WHERE workspace_id = ? AND run_id = ?", [ws, run])[0]
    assert slices[2] > 1
    data = gql(client, "query($id: ID!) { run(id: $id) { startTime endTime resultState inProgress durationSeconds } }",
               {"id": f"{ws}:{run}"})["data"]["run"]
    assert data["startTime"].startswith(slices[0].strftime("%Y-%m-%dT%H:%M:%S"))
    assert data["endTime"].startswith(slices[1].strftime("%Y-%m-%dT%H:%M:%S"))
    assert data["resultState"] is not None and data["inProgress"] is False
    assert data["durationSeconds"] >= 3600


def test_a_repaired_run_counts_its_repairs_and_takes_the_latest_outcome(client, workspace):
    ws, _, run = case(workspace, "repaired_run")
    ends = truth(workspace, "SELECT result_state FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND run_id = ? "
                            "AND result_state IS NOT NULL ORDER BY period_end_time", [ws, run])
    assert len(ends) >= 2
    data = gql(client, "query($id: ID!) { run(id: $id) { repairCount resultState } }", {"id": f"{ws}:{run}"})
    assert data["data"]["run"] == {"repairCount": len(ends) - 1, "resultState": ends[-1][0]}


def test_an_active_long_run_is_in_progress(client, workspace):
    ws, _, run = case(workspace, "active_long_run")
    data = gql(client, "query($id: ID!) { run(id: $id) { inProgress endTime resultState } }", {"id": f"{ws}:{run}"})
    assert data["data"]["run"] == {"inProgress": True, "endTime": None, "resultState": None}


def test_job_cost_sums_every_record_type_at_the_price_in_force(client, workspace):
    for case_name in ("retraction_restatement", "retraction_only"):
        ws, job, _ = case(workspace, case_name)
        start, end = NOW - timedelta(days=30), NOW + timedelta(hours=1)
        rows = priced_usage_rows(workspace, start, end, "workspace_id = ? AND usage_metadata.job_id = ?", [ws, job])
        record_types = {t for (t,) in truth(workspace, "SELECT DISTINCT record_type FROM billing.usage WHERE "
                                                       "workspace_id = ? AND usage_metadata.job_id = ?", [ws, job])}
        assert "RETRACTION" in record_types
        data = gql(client, "query($id: ID!, $w: TimeWindowInput) { job(id: $id) { cost(window: $w) { "
                           "dbus listCost { amount currency } } } }",
                   {"id": f"{ws}:{job}", "w": WINDOW})["data"]["job"]["cost"]
        assert cents(data["listCost"]["amount"]) == cents(amount(rows))
        assert Decimal(data["dbus"]) == sum((q for q, _ in rows), Decimal(0))


def test_a_price_change_inside_the_window_prices_each_hour_at_its_own_price(client, workspace):
    (note,) = truth(workspace, "SELECT note FROM workspace_state.cases WHERE case_name = 'price_change'")[0]
    sku = note.split(" at ")[0]
    start, end = NOW - timedelta(days=30), NOW + timedelta(hours=1)
    rows = priced_usage_rows(workspace, start, end, "sku_name = ?", [sku])
    assert len({p for _, p in rows}) > 1, "usage on both sides of the change"
    data = gql(client, "query($w: TimeWindowInput!) { costs(window: $w, groupBy: SKU) { groups { key cost { "
                       "listCost { amount } } } } }", {"w": WINDOW})["data"]["costs"]["groups"]
    by_sku = {g["key"]: g for g in data}
    assert cents(by_sku[sku]["cost"]["listCost"]["amount"]) == cents(amount(rows))


def test_per_job_totals_plus_unattributed_equal_the_account_total_to_the_cent(client, workspace):
    start, end = NOW - timedelta(days=30), NOW + timedelta(hours=1)
    everything = priced_usage_rows(workspace, start, end)
    unattributed = priced_usage_rows(workspace, start, end, "usage_metadata.job_id IS NULL")
    data = gql(client, "query($w: TimeWindowInput!) { costs(window: $w, groupBy: JOB) { total { amount } "
                       "attributedToJobs { amount } unattributedToJobs { amount } "
                       "groups { key unattributed cost { listCost { amount } } } } }", {"w": WINDOW})["data"]["costs"]
    groups = data["groups"]
    assert sum(1 for g in groups if g["unattributed"]) == 1
    assert groups[-1]["unattributed"] and groups[-1]["key"] is None
    per_job = sum(Decimal(g["cost"]["listCost"]["amount"]) for g in groups if not g["unattributed"])
    rest = Decimal(groups[-1]["cost"]["listCost"]["amount"])
    assert cents(per_job + rest) == cents(data["total"]["amount"]) == cents(amount(everything))
    assert cents(data["unattributedToJobs"]["amount"]) == cents(amount(unattributed)) == cents(rest)
    assert amount(unattributed) > 0, "all-purpose and DLT usage must be there"


def test_every_product_is_included_and_serverless_is_attributed_to_its_job(client, workspace):
    data = gql(client, "query($w: TimeWindowInput!) { costs(window: $w, groupBy: PRODUCT) { groups { key cost { "
                       "listCost { amount } } } } }", {"w": WINDOW})["data"]["costs"]["groups"]
    products = {g["key"] for g in data}
    assert {"JOBS", "DLT", "ALL_PURPOSE"} <= products
    ws, job, run = case(workspace, "serverless_multi_record_hour")
    rows = priced_usage_rows(workspace, NOW - timedelta(days=30), NOW + timedelta(hours=1),
                             "workspace_id = ? AND usage_metadata.job_run_id = ?", [ws, run])
    cost = gql(client, "query($id: ID!) { run(id: $id) { cost { listCost { amount } attribution } } }",
               {"id": f"{ws}:{run}"})["data"]["run"]["cost"]
    assert cost["attribution"] == "JOB_RUN_USAGE"
    assert cents(cost["listCost"]["amount"]) == cents(amount(rows)) > 0


def test_run_stats_match_the_timeline(client, workspace):
    ws, job, _ = case(workspace, "flaky_job")
    start, end = NOW - timedelta(days=30), NOW + timedelta(hours=1)
    ends = truth(workspace, """
        SELECT run_id, arg_max(result_state, period_end_time) FROM lakeflow.job_run_timeline
        WHERE workspace_id = ? AND job_id = ? AND result_state IS NOT NULL
          AND run_id IN (SELECT run_id FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ?
                         GROUP BY run_id HAVING min(period_start_time) >= ? AND min(period_start_time) < ?)
        GROUP BY run_id""", [ws, job, ws, job, start, end])
    succeeded = sum(1 for _, s in ends if s == "SUCCEEDED")
    stats = gql(client, "query($id: ID!, $w: TimeWindowInput) { job(id: $id) { runStats(window: $w) { "
                        "succeeded failed successRate duration { p50 p95 max } } } }",
                {"id": f"{ws}:{job}", "w": WINDOW})["data"]["job"]["runStats"]
    assert stats["succeeded"] == succeeded
    assert 0 < stats["failed"] and stats["successRate"] == pytest.approx(succeeded / len(ends))
    assert stats["duration"]["p50"] <= stats["duration"]["p95"] <= stats["duration"]["max"]


def test_a_deleted_job_is_hidden_unless_asked_for(client, workspace):
    ws, job, _ = case(workspace, "deleted_job")
    key = f"{ws}:{job}"
    default = gql(client, "{ jobs(first: 100, orderBy: ID) { nodes { id } } }")["data"]["jobs"]["nodes"]
    assert key not in {n["id"] for n in default}
    node = gql(client, "query($id: ID!) { job(id: $id) { deletedTime } }", {"id": key})["data"]["job"]
    assert node["deletedTime"] is not None


def test_tasks_have_dependencies_and_task_runs(client, workspace):
    ws, job, _ = case(workspace, "multi_task_job")
    data = gql(client, """query($id: ID!) { job(id: $id) { tasks { taskKey dependsOn }
        lastRun { tasks { taskKey resultState dependsOn } } } }""", {"id": f"{ws}:{job}"})["data"]["job"]
    assert len(data["tasks"]) > 1 and any(t["dependsOn"] for t in data["tasks"])
    assert {t["taskKey"] for t in data["lastRun"]["tasks"]} <= {t["taskKey"] for t in data["tasks"]}


def test_a_minimum_cost_lists_only_larger_groups_and_keeps_totals_and_the_remainder(client):
    query = """query($w: TimeWindowInput!, $f: CostFilter) { costs(window: $w, groupBy: JOB, filter: $f) {
        total { amount } groups { key unattributed cost { listCost { amount } } } } }"""
    everything = gql(client, query, {"w": WINDOW})["data"]["costs"]
    amounts = sorted(Decimal(g["cost"]["listCost"]["amount"]) for g in everything["groups"] if not g["unattributed"])
    threshold = amounts[len(amounts) // 2]
    some = gql(client, query, {"w": WINDOW, "f": {"minListCost": str(threshold)}})["data"]["costs"]
    kept = [g for g in some["groups"] if not g["unattributed"]]
    assert kept and len(kept) == sum(1 for a in amounts if a >= threshold)
    assert all(Decimal(g["cost"]["listCost"]["amount"]) >= threshold for g in kept)
    assert some["groups"][-1]["unattributed"] and some["total"] == everything["total"]


def test_an_empty_run_filter_filters_nothing_and_a_state_filter_keeps_only_that_state(client):
    query = """query($f: RunFilter, $w: TimeWindowInput) { runs(first: 100, filter: $f, window: $w) {
        totalCount nodes { resultState } } }"""
    unfiltered = gql(client, query, {"w": WINDOW})["data"]["runs"]["totalCount"]
    assert gql(client, query, {"w": WINDOW, "f": {}})["data"]["runs"]["totalCount"] == unfiltered > 0
    failed = gql(client, query, {"w": WINDOW, "f": {"resultStates": ["FAILED"], "triggerTypes": [], "runTypes": []}})
    runs = failed["data"]["runs"]
    assert 0 < runs["totalCount"] < unfiltered
    assert {n["resultState"] for n in runs["nodes"]} == {"FAILED"}


def test_trigger_settings_match_the_latest_job_version(client, workspace):
    rows = truth(workspace, """
        SELECT workspace_id, job_id, "trigger".file_arrival.url, "trigger".continuous.enabled FROM lakeflow.jobs
        QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
        AND ("trigger".file_arrival.url IS NOT NULL OR "trigger".continuous.enabled)
        ORDER BY 1, 2 LIMIT 3""")
    assert rows, "the workspace has file-arrival or continuous jobs"
    for ws, job, url, continuous in rows:
        node = gql(client, "query($id: ID!) { job(id: $id) { trigger { fileArrivalUrl continuous } } }",
                   {"id": f"{ws}:{job}"})["data"]["job"]
        assert node["trigger"]["fileArrivalUrl"] == url
        if continuous:
            assert node["trigger"]["continuous"] is True
