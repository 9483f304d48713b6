"""Statement counts of representative operations: a regression to one statement per parent fails here.

Counted on `uncached_monitor`: on a monitor with warm caches a count would depend on which tests ran before.
"""

from __future__ import annotations

import logging
import time

import pytest

from conftest import gql
from gql_monitor.sources import sql_files
from unit.test_sql_files import QUESTIONS

DASHBOARD = """
query Dashboard($w: TimeWindowInput) {
  jobs(first: 50) {
    nodes {
      id name
      runStats(window: $w) { successRate }
      cost(window: $w) { listCost { amount } }
      lastRun { resultState }
      runs(first: 10, window: $w) { nodes { id cost { listCost { amount } } tasks { taskKey } } }
    }
  }
}
"""


@pytest.fixture(scope="module")
def client(uncached_monitor):
    with uncached_monitor.client() as c:
        yield c


def cost_of(client, query, variables=None) -> dict:
    body = gql(client, query, variables)
    return body["extensions"]["cost"]


def questions_sent(workspace, since: int) -> list[str]:
    """Which SQL files the statements logged by the stand-in since `since` were."""
    texts = {sql_files.load(name): name for name in QUESTIONS}
    return sorted(texts.get(s.statement, "?") for s in list(workspace.state.statements)[since:])


def test_the_dashboard_operation_is_a_fixed_number_of_statements(client, workspace):
    before = len(workspace.state.statements)
    body = gql(client, DASHBOARD, {"w": {"lastDays": 60}})
    jobs = body["data"]["jobs"]["nodes"]
    runs = sum(len(job["runs"]["nodes"]) for job in jobs)
    assert len(jobs) == 50 and runs > 50, "the page must be big enough to show N+1"
    # Round trip 1: the jobs page. Round trip 2: run stats, job costs, last runs, and the runs pages with their runs'
    # costs and task runs in the same statement (look-ahead): two round trips in all, not three.
    assert body["extensions"]["cost"]["warehouseStatements"] == 5
    assert questions_sent(workspace, before) == sorted(["jobs", "run_stats", "cost_by_job", "runs", "run_page_details"])
    assert body["extensions"]["cost"]["jobsApiCalls"] == 0


def test_statement_count_does_not_grow_with_the_page(client):
    small = cost_of(client, DASHBOARD.replace("first: 50", "first: 5"), {"w": {"lastDays": 60}})
    assert small["warehouseStatements"] == 5


def test_live_fields_call_the_jobs_api_once_per_distinct_run(client, workspace):
    body = gql(client, """{ jobs(first: 20, filter: {workspaceId: "%s"}) { nodes {
        lastRun { runId live { lifeCycleState } again: live { runPageUrl } } } } }"""
               % workspace.state.home_workspace_id)
    runs = {job["lastRun"]["runId"] for job in body["data"]["jobs"]["nodes"] if job["lastRun"]}
    assert runs
    assert body["extensions"]["cost"]["jobsApiCalls"] == len(runs)


def test_query_cost_is_reported_before_execution(client):
    small = cost_of(client, "{ jobs(first: 2) { nodes { name } } }")
    large = cost_of(client, "{ jobs(first: 40) { nodes { name } } }")
    assert 0 < small["queryCost"] < large["queryCost"]


def logged(caplog, request_id: str) -> dict:
    """The request's log line (http/request_log.py), written once the response has gone out."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for record in list(caplog.records):
            event = getattr(record, "event", None)
            if record.name == "gql_monitor.request" and event and event["request_id"] == request_id:
                return event
        time.sleep(0.02)
    raise AssertionError(f"no log line for {request_id}")


@pytest.mark.parametrize("query, variables", [
    (DASHBOARD, {"w": {"lastDays": 59}}),
    # Statements and then Jobs API calls (one per distinct run).
    ("{ jobs(first: 5) { nodes { lastRun { live { lifeCycleState } } } } }", None),
])
def test_the_log_line_splits_the_duration_into_source_time_and_what_the_app_added(client, caplog, query, variables):
    request_id = f"critical-path-{len(query)}"
    with caplog.at_level(logging.INFO, logger="gql_monitor.request"):
        response = client.post("/api/graphql", json={"query": query, "variables": variables or {}},
                               headers={"X-Request-Id": request_id})
        event = logged(caplog, request_id)
    cost = response.json()["extensions"]["cost"]
    assert (event["statements"], event["jobs_api_calls"]) == (cost["warehouseStatements"], cost["jobsApiCalls"])
    assert event["statements"] == (5 if query == DASHBOARD else 2)
    assert (event["jobs_api_calls"] > 0) == (query != DASHBOARD)
    # The critical path through the sources lies within the request; the rest is the app's.
    assert 0 < event["source_ms"] <= event["duration_ms"]
    assert event["app_ms"] == round(event["duration_ms"] - event["source_ms"], 1)
