"""What the runs explorer, the job list and the shared window need from the API (issue 12 items 3, 5 and 6):
`runs(orderBy:)` and `jobs(orderBy: DURATION, window:)` with keyset cursors, where the data starts
(`dataFreshness.earliest*`), the `workspaces` list and `alerts(workspaceId:)`. Orders are checked against the fields
they sort by, every run or job once across pages; truths of where data starts come from the stand-in's tables; bad
and hostile values get BAD_USER_INPUT, never a 500."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from api.helpers import truth
from conftest import RunningMonitor, gql, monitor_settings

WEEK = {"lastDays": 7}
RUN_FIELDS = "id startTime durationSeconds resultState job { id } cost { listCost { amount } }"
RUNS = """query($first: Int!, $after: String, $o: RunOrder!, $w: TimeWindowInput, $f: RunFilter) {
  runs(first: $first, after: $after, orderBy: $o, window: $w, filter: $f) {
    totalCount pageInfo { hasNextPage endCursor } nodes { %s } } }"""
JOBS = """query($first: Int!, $after: String, $o: JobOrder!, $w: TimeWindowInput, $f: JobFilter) {
  jobs(first: $first, after: $after, orderBy: $o, window: $w, filter: $f) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name runStats(window: $w) { duration { p95 } } cost(window: $w) { listCost { amount } } } } }"""


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def walk(client, query: str, field: str, variables: dict, first: int = 100) -> list[dict]:
    """Every node of a connection, page after page; the count of pages is checked against totalCount."""
    nodes, after = [], None
    while True:
        page = gql(client, query, {**variables, "first": first, "after": after})["data"][field]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(nodes) == page["totalCount"]
            return nodes
        after = page["pageInfo"]["endCursor"]


def codes(body: dict) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", [])}


def newest_first(a: dict, b: dict) -> bool:
    """a comes before b by the tie-break of every order: newer start, then the larger id."""
    return (a["startTime"], a["id"]) >= (b["startTime"], b["id"])


# -- runs(orderBy:) ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def week_runs(client) -> dict[str, dict]:
    return {run["id"]: run for run in walk(client, RUNS % RUN_FIELDS, "runs", {"o": "START_TIME", "w": WEEK})}


def test_runs_by_duration_list_every_run_once_longest_first(client, week_runs):
    runs = walk(client, RUNS % RUN_FIELDS, "runs", {"o": "DURATION", "w": WEEK}, first=97)
    assert len(runs) > 3 * 97, "paging must cross several pages"
    assert sorted(r["id"] for r in runs) == sorted(week_runs)
    for a, b in zip(runs, runs[1:]):
        assert a["durationSeconds"] >= b["durationSeconds"], (a, b)
        if a["durationSeconds"] == b["durationSeconds"]:
            assert newest_first(a, b), (a, b)
    assert runs[0]["durationSeconds"] == max(r["durationSeconds"] for r in week_runs.values())


def test_runs_by_cost_list_every_run_once_most_expensive_first(client, week_runs):
    runs = walk(client, RUNS % RUN_FIELDS, "runs", {"o": "COST", "w": WEEK}, first=89)
    assert sorted(r["id"] for r in runs) == sorted(week_runs)
    amounts = [Decimal(r["cost"]["listCost"]["amount"]) for r in runs]
    assert amounts[0] == max(amounts) and amounts[0] > 0
    # The order ranks by the SQL's sum (each usage row rounded to a millionth); Run.cost is exact: neighbours may differ
    # by those roundings, never by more.
    for a, b, x, y in zip(runs, runs[1:], amounts, amounts[1:]):
        assert x >= y - Decimal("0.0001"), (a, b)
    # Runs with nothing billed to them (all-purpose compute, not billed yet) come last, newest first.
    unbilled = [r for r in runs if Decimal(r["cost"]["listCost"]["amount"]) == 0]
    assert unbilled, "the stand-in has runs on all-purpose compute"
    tail = runs[-len(unbilled):]
    assert {r["id"] for r in tail} == {r["id"] for r in unbilled}
    assert all(newest_first(a, b) for a, b in zip(tail, tail[1:]))


def test_a_ranked_order_keeps_the_filters(client):
    failed = {"resultStates": ["FAILED", "ERROR", "TIMED_OUT"], "minDurationSeconds": 60}
    by_start = walk(client, RUNS % RUN_FIELDS, "runs", {"o": "START_TIME", "w": {"lastDays": 30}, "f": failed})
    assert len(by_start) > 100
    for order in ("DURATION", "COST"):
        ranked = walk(client, RUNS % RUN_FIELDS, "runs", {"o": order, "w": {"lastDays": 30}, "f": failed}, first=50)
        assert sorted(r["id"] for r in ranked) == sorted(r["id"] for r in by_start), order
        assert all(r["resultState"] in failed["resultStates"] and r["durationSeconds"] >= 60 for r in ranked)


def test_a_ranked_runs_page_is_one_statement(uncached_monitor):
    with uncached_monitor.client() as c:
        for order in ("DURATION", "COST"):
            body = gql(c, RUNS % "id durationSeconds", {"o": order, "w": WEEK, "first": 50, "after": None})
            assert body["extensions"]["cost"]["warehouseStatements"] == 1, order


def cursor(kind: str, *values) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, *values]).encode()).decode().rstrip("=")


def test_runs_cursors_belong_to_their_order(client):
    first = {"first": 5, "w": WEEK}
    ends = {o: gql(client, RUNS % "id", {**first, "o": o, "after": None})["data"]["runs"]["pageInfo"]["endCursor"]
            for o in ("START_TIME", "DURATION", "COST")}
    for given in ends:
        for asked in ends:
            body = gql(client, RUNS % "id", {**first, "o": asked, "after": ends[given]}, expect_errors=given != asked)
            assert codes(body) == (set() if given == asked else {"BAD_USER_INPUT"}), (given, asked)
            if given != asked:
                assert body["data"]["runs"] is None


@pytest.mark.parametrize("forged", [
    cursor("ranked_run", "COST", "NaN", "2026-11-01T00:00:00+00:00", "1:2"),
    cursor("ranked_run", "COST", "Infinity", "2026-11-01T00:00:00+00:00", "1:2"),
    cursor("ranked_run", "COST", "1" * 80, "2026-11-01T00:00:00+00:00", "1:2"),
    cursor("ranked_run", "COST", "1e999999999", "2026-11-01T00:00:00+00:00", "1:2"),
    cursor("ranked_run", "COST", "'; DROP TABLE x; --", "2026-11-01T00:00:00+00:00", "1:2"),
    cursor("ranked_run", "COST", 12, "2026-11-01T00:00:00+00:00", "1:2"),
    cursor("ranked_run", "COST", "1.5", "not a time", "1:2"),
    cursor("ranked_run", "COST", "1.5", "2026-11-01T00:00:00+00:00"),
    cursor("ranked_run", "COST", "1.5", "2026-11-01T00:00:00+00:00", "1:2", "extra"),
    cursor("run", "2026-11-01T00:00:00+00:00", "1:2"),
    "x" * 2000,
    "%%%",
])
def test_forged_ranked_cursors_are_bad_user_input(client, forged):
    body = gql(client, RUNS % "id", {"first": 5, "o": "COST", "w": WEEK, "after": forged}, expect_errors=True)
    assert codes(body) == {"BAD_USER_INPUT"}, body


def test_a_well_formed_rank_that_no_run_has_pages_on_from_there(client):
    # A rank value between two runs' continues the order from there, as a START_TIME cursor does for a time.
    rank = cursor("ranked_run", "DURATION", "300", "2100-01-01T00:00:00+00:00", "9:9")
    runs = gql(client, RUNS % "durationSeconds", {"first": 20, "o": "DURATION", "w": WEEK, "after": rank})
    durations = [r["durationSeconds"] for r in runs["data"]["runs"]["nodes"]]
    assert durations and all(d <= 300 for d in durations)
    null_rank = cursor("ranked_run", "COST", None, "2100-01-01T00:00:00+00:00", "9:9")
    body = gql(client, RUNS % "cost { listCost { amount } }", {"first": 20, "o": "COST", "w": WEEK, "after": null_rank})
    assert all(Decimal(r["cost"]["listCost"]["amount"]) == 0 for r in body["data"]["runs"]["nodes"])


@pytest.mark.parametrize("order", ["START_TIME", "DURATION", "COST"])
def test_ranked_runs_are_cut_to_the_callers_jobs(workspace, order):
    with RunningMonitor(monitor_settings(workspace, job_visibility="permissions", permissions_retry_wait_ms=10)) as m:
        with m.client("local-admin") as admin:
            every = walk(admin, RUNS % "id job { id }", "runs", {"o": "START_TIME", "w": {"lastDays": 30}})
        with m.client("local-team") as team:
            mine = {j["id"] for j in walk(team, "query($first: Int!, $after: String) { jobs(first: $first, "
                                                "after: $after) { totalCount pageInfo { hasNextPage endCursor } "
                                                "nodes { id } } }", "jobs", {})}
            got = walk(team, RUNS % "id", "runs", {"o": order, "w": {"lastDays": 30}})
    assert mine and len(mine) < len({r["job"]["id"] for r in every})
    assert {r["id"] for r in got} == {r["id"] for r in every if r["job"]["id"] in mine}


# -- jobs(orderBy: DURATION, window:) --------------------------------------------------------------------------------


@pytest.mark.parametrize("window", [None, WEEK, {"lastDays": 90}])
def test_jobs_by_duration_follow_the_p95_of_the_window_across_pages(client, window):
    jobs = walk(client, JOBS, "jobs", {"o": "DURATION", "w": window}, first=23)
    every = walk(client, JOBS, "jobs", {"o": "NAME", "w": window})
    assert sorted(j["id"] for j in jobs) == sorted(j["id"] for j in every)
    p95 = [j["runStats"]["duration"]["p95"] for j in jobs]
    with_runs = [p for p in p95 if p is not None]
    assert with_runs and p95[:len(with_runs)] == with_runs, "jobs without a finished run in the window come last"
    for a, b in zip(with_runs, with_runs[1:]):
        assert a >= b - 0.001  # the order ranks milliseconds
    nameless = [j for j in jobs if j["runStats"]["duration"]["p95"] is None]
    assert [(j["name"] or "").lower() for j in nameless] == sorted((j["name"] or "").lower() for j in nameless)


def test_jobs_by_cost_follow_the_cost_of_the_window(client):
    jobs = walk(client, JOBS, "jobs", {"o": "COST", "w": WEEK}, first=31)
    amounts = [Decimal(j["cost"]["listCost"]["amount"]) for j in jobs]
    for x, y in zip(amounts, amounts[1:]):
        assert x >= y - Decimal("0.0001")
    month = [Decimal(j["cost"]["listCost"]["amount"]) for j in walk(client, JOBS, "jobs", {"o": "COST", "w": None})]
    assert [j for j in amounts] != month, "a week's order is not the month's"


def test_a_jobs_cursor_names_its_window(client):
    first = {"first": 5, "o": "COST"}
    end = gql(client, JOBS, {**first, "w": WEEK, "after": None})["data"]["jobs"]["pageInfo"]["endCursor"]
    assert gql(client, JOBS, {**first, "w": WEEK, "after": end})["data"]["jobs"]["nodes"]
    for other in [{"lastDays": 30}, None]:
        body = gql(client, JOBS, {**first, "w": other, "after": end}, expect_errors=True)
        assert codes(body) == {"BAD_USER_INPUT"} and body["data"]["jobs"] is None
    # Orders that rank by no window ignore it, cursors included.
    end = gql(client, JOBS, {"first": 5, "o": "NAME", "w": WEEK, "after": None})["data"]["jobs"]["pageInfo"]["endCursor"]
    assert gql(client, JOBS, {"first": 5, "o": "NAME", "w": None, "after": end})["data"]["jobs"]["nodes"]


@pytest.mark.parametrize("window", [
    {"lastDays": 0}, {"lastDays": 367}, {"start": "2026-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"},
    {"start": "2020-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, {"lastDays": 7, "start": "2026-01-01T00:00:00Z"},
])
def test_a_bad_jobs_window_is_bad_user_input(client, window):
    body = gql(client, JOBS, {"first": 5, "o": "DURATION", "w": window, "after": None}, expect_errors=True)
    assert codes(body) == {"BAD_USER_INPUT"}


@pytest.mark.parametrize("query", [
    "{ runs(first: 5, orderBy: SIZE) { totalCount } }",
    "{ runs(first: 5, orderBy: \"COST\") { totalCount } }",
    "{ runs(first: 5, orderBy: [COST, DURATION]) { totalCount } }",
    "{ jobs(first: 5, orderBy: RUNTIME) { totalCount } }",
    "{ jobs(first: 5, window: \"last week\") { totalCount } }",
    "{ alerts(first: 5, workspaceId: 42) { totalCount } }",
    "{ alerts(first: 5, workspaceId: [\"1\"]) { totalCount } }",
    "{ workspaces(first: 5) { id } }",
    "{ dataFreshness { earliestRunPeriodStartTime(days: 3) } }",
])
def test_malformed_arguments_are_bad_user_input(client, query):
    body = gql(client, query, expect_errors=True)
    assert codes(body) == {"BAD_USER_INPUT"}, body


# -- where the data starts ----------------------------------------------------------------------------------------


def test_data_freshness_says_where_the_data_starts(client, workspace):
    fresh = gql(client, "{ dataFreshness { earliestRunPeriodStartTime earliestUsageStartTime } }")["data"]["dataFreshness"]
    since = workspace.now - timedelta(days=367)
    (runs,), = truth(workspace, "SELECT min(period_start_time) FROM lakeflow.job_run_timeline WHERE period_start_time >= ?",
                     [since])
    (usage,), = truth(workspace, "SELECT min(usage_start_time) FROM billing.usage WHERE usage_start_time >= ?", [since])
    assert datetime.fromisoformat(fresh["earliestRunPeriodStartTime"]) == runs
    assert datetime.fromisoformat(fresh["earliestUsageStartTime"]) == usage
    assert runs > workspace.now - timedelta(days=90), "the stand-in's data starts inside a 90-day window"


def test_where_the_data_starts_is_one_statement_asked_only_when_selected(uncached_monitor):
    with uncached_monitor.client() as c:
        latest = gql(c, "{ dataFreshness { latestRunPeriodEndTime checkedAt } }")["extensions"]["cost"]
        both = gql(c, "{ dataFreshness { latestRunPeriodEndTime earliestRunPeriodStartTime earliestUsageStartTime } }")
    assert latest["warehouseStatements"] == 1
    assert both["extensions"]["cost"]["warehouseStatements"] == 2


# -- workspaces and alerts(workspaceId:) -----------------------------------------------------------------------------


def test_workspaces_are_the_accounts(client, workspace):
    listed = gql(client, "{ workspaces { id name url } }")["data"]["workspaces"]
    rows = truth(workspace, "SELECT CAST(workspace_id AS VARCHAR), workspace_name FROM access.workspaces_latest "
                            "ORDER BY 1")
    assert [(w["id"], w["name"]) for w in listed] == [(str(i), n) for i, n in rows]
    assert len(listed) > 1


def test_a_caller_who_sees_some_jobs_gets_their_workspaces(workspace):
    with RunningMonitor(monitor_settings(workspace, job_visibility="permissions", permissions_retry_wait_ms=10)) as m:
        with m.client("local-team") as team:
            listed = {w["id"] for w in gql(team, "{ workspaces { id } }")["data"]["workspaces"]}
            jobs = gql(team, "{ jobs(first: 100) { nodes { workspace { id } } } }")["data"]["jobs"]["nodes"]
        with m.client("local-nobody") as nobody:
            none = gql(nobody, "{ workspaces { id } }")["data"]["workspaces"]
    assert listed == {j["workspace"]["id"] for j in jobs} and listed
    assert none == []


ALERTS = """query($ws: String) { alerts(first: 100, window: {lastDays: 30}, workspaceId: $ws) {
  totalCount nodes { id job { id } } } }"""


def test_alerts_of_one_workspace_are_the_alerts_of_its_jobs(client):
    every = gql(client, ALERTS, {"ws": None})["data"]["alerts"]
    assert every["totalCount"] <= 100
    by_workspace: dict[str, set[str]] = {}
    for alert in every["nodes"]:
        if alert["job"]:
            by_workspace.setdefault(alert["job"]["id"].split(":")[0], set()).add(alert["id"])
    assert len(by_workspace) > 1
    for ws, ids in by_workspace.items():
        got = gql(client, ALERTS, {"ws": ws})["data"]["alerts"]
        assert {a["id"] for a in got["nodes"]} == ids and got["totalCount"] == len(ids)
    # Alerts that name no job (account-wide spend) are in no workspace's list.
    assert sum(len(ids) for ids in by_workspace.values()) == sum(1 for a in every["nodes"] if a["job"])
    assert gql(client, ALERTS, {"ws": "999"})["data"]["alerts"]["totalCount"] == 0


@pytest.mark.parametrize("value", ["x" * 201, "a\x00b", "\ud800"])
def test_a_hostile_workspace_id_is_bad_user_input(client, value):
    response = client.post("/api/graphql", content=json.dumps({"query": ALERTS, "variables": {"ws": value}}),
                           headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400)
    assert codes(response.json()) == {"BAD_USER_INPUT"}
