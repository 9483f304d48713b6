"""The warm path (http/cached_responses.py): a repeated query is answered from its stored response before the schema
sees it, for the same caller, document, variables and window clock only; anything else reaches the GraphQL route
and is answered or refused as before.

Whether a request took the warm path is read from its log line (`response_cached`), which only that path sets."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from conftest import RunningMonitor, gql, monitor_settings
from gql_monitor.clock import FixedClock

DASHBOARD = """
query Dashboard($w: TimeWindowInput) {
  jobs(first: 20) {
    nodes {
      id name
      runStats(window: $w) { successRate duration { p50 } }
      cost(window: $w) { listCost { amount currency } }
      runs(first: 5, window: $w) { nodes { id resultState cost { listCost { amount } } } }
    }
  }
}
"""
WEEK = {"w": {"lastDays": 7}}
LAST_ID: list[str] = []


def _remember_id(response) -> None:
    LAST_ID.append(response.headers["x-request-id"])


@pytest.fixture(scope="module")
def warm(workspace):
    clock = FixedClock(workspace.now)
    with RunningMonitor(monitor_settings(workspace, clock=clock)) as running:
        running.clock = clock
        client = running.client

        def remembering_client(*args, **kwargs):
            made = client(*args, **kwargs)
            made.event_hooks["response"].append(_remember_id)
            return made

        running.client = remembering_client
        yield running


@pytest.fixture
def log_lines(caplog):
    caplog.set_level(logging.INFO, logger="gql_monitor.request")
    return caplog


def post(client, query, variables=None, **headers):
    return client.post("/api/graphql", json={"query": query, "variables": variables}, headers=headers)


def last_line(caplog) -> dict:
    """The log line of the client's latest request. The server logs a request after answering it, on its own
    thread, so the line is waited for (by request id), not assumed to be there."""
    request_id = LAST_ID[-1]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for record in caplog.records:
            if record.name == "gql_monitor.request" and record.event["request_id"] == request_id:
                return record.event
        time.sleep(0.01)
    raise AssertionError(f"no log line for request {request_id}")


def test_a_repeated_query_is_answered_from_its_stored_response_without_a_statement(warm, workspace, log_lines):
    with warm.client() as client:
        first = gql(client, DASHBOARD, WEEK)
        assert last_line(log_lines)["response_cached"] is False
        sent = len(workspace.state.statements)
        again = gql(client, DASHBOARD, WEEK)
        line = last_line(log_lines)
        by_get = client.get("/api/graphql", params={"query": DASHBOARD, "variables": '{"w": {"lastDays": 7}}'})
    assert line["response_cached"] is True and line["operation"] == "Dashboard" and line["statements"] == 0
    assert again["data"] == first["data"] and len(first["data"]["jobs"]["nodes"]) == 20
    cost = again["extensions"]["cost"]
    assert (cost["warehouseStatements"], cost["jobsApiCalls"], cost["cacheHits"]) == (0, 0, 1)
    assert cost["queryCost"] == first["extensions"]["cost"]["queryCost"] > 0
    assert cost["maxQueryCost"] == first["extensions"]["cost"]["maxQueryCost"]
    assert cost["oldestAnswerFetchedAt"] is not None
    # GET and POST of the same operation are one response.
    assert by_get.status_code == 200 and by_get.json()["data"] == first["data"]
    assert last_line(log_lines)["response_cached"] is True
    assert len(workspace.state.statements) == sent


def test_a_stored_response_leaves_with_the_same_headers_and_compression(warm, log_lines):
    with warm.client() as client:
        executed = post(client, DASHBOARD, {"w": {"lastDays": 8}}, **{"Accept-Encoding": "gzip"})
        stored = post(client, DASHBOARD, {"w": {"lastDays": 8}}, **{"Accept-Encoding": "gzip",
                                                                   "X-Request-Id": "warm-1"})
    assert last_line(log_lines)["response_cached"] is True
    assert stored.status_code == executed.status_code == 200
    for name in ("content-type", "content-encoding", "x-content-type-options", "cache-control"):
        assert stored.headers.get(name) == executed.headers.get(name), name
    assert stored.headers["content-encoding"] == "gzip" and stored.headers["x-request-id"] == "warm-1"
    assert stored.json()["data"] == executed.json()["data"]


@pytest.mark.parametrize("change", ["variables", "caller", "operation text"])
def test_a_request_that_differs_in_anything_the_answer_depends_on_is_executed(warm, log_lines, change):
    with warm.client() as admin:
        gql(admin, DASHBOARD, WEEK)
        gql(admin, DASHBOARD, WEEK)
        assert last_line(log_lines)["response_cached"] is True
    if change == "variables":
        with warm.client() as admin:
            body = gql(admin, DASHBOARD, {"w": {"lastDays": 6}})
    elif change == "caller":
        with warm.client("local-finops") as finops:
            body = gql(finops, DASHBOARD, WEEK)
    else:
        with warm.client() as admin:
            body = gql(admin, DASHBOARD.replace("id name", "id  name"), WEEK)
    assert last_line(log_lines)["response_cached"] is False
    assert body["extensions"]["cost"]["queryCost"] > 0


def test_the_viewer_is_each_callers_own_on_the_warm_path(warm, log_lines):
    names = {}
    for token in ("local-admin", "local-analyst", "local-admin", "local-analyst"):
        with warm.client(token) as client:
            names.setdefault(token, set()).add(gql(client, "{ viewer { userName } }")["data"]["viewer"]["userName"])
    assert last_line(log_lines)["response_cached"] is True
    assert all(len(seen) == 1 for seen in names.values()) and names["local-admin"] != names["local-analyst"]


def test_a_new_window_clock_is_a_new_response(warm, log_lines):
    with warm.client() as client:
        before = gql(client, "{ dataFreshness { checkedAt } jobs(first: 1) { totalCount } }")
        gql(client, "{ dataFreshness { checkedAt } jobs(first: 1) { totalCount } }")
        assert last_line(log_lines)["response_cached"] is True
        at = warm.clock.at
        warm.clock.at = at + timedelta(minutes=5)
        try:
            moved = gql(client, "{ dataFreshness { checkedAt } jobs(first: 1) { totalCount } }")
            assert last_line(log_lines)["response_cached"] is False
        finally:
            warm.clock.at = at
    assert moved["data"]["dataFreshness"]["checkedAt"] != before["data"]["dataFreshness"]["checkedAt"]


def test_errors_are_never_stored(warm, log_lines):
    query = '{ job(id: "not-a-job-id") { name } }'
    with warm.client() as client:
        for _ in range(2):
            body = gql(client, query, expect_errors=True)
            assert body["errors"] and last_line(log_lines)["response_cached"] is False


@pytest.mark.parametrize("token, body, status, code", [
    (None, None, 401, "UNAUTHENTICATED"),
    ("not-a-token", None, 401, "UNAUTHENTICATED"),
    ("local-admin", b'{"query": "{ viewer { userName } }", ', 400, "BAD_USER_INPUT"),
    ("local-admin", b'{"query": "{ viewer { userName } }", "variables": [1]}', 400, "BAD_USER_INPUT"),
    ("local-admin", b"\xff" * 64, 400, "BAD_USER_INPUT"),
])
def test_refusals_are_the_routes_even_for_a_stored_document(warm, log_lines, token, body, status, code):
    with warm.client() as admin:
        gql(admin, "{ viewer { userName } }")
        gql(admin, "{ viewer { userName } }")
        assert last_line(log_lines)["response_cached"] is True
    with warm.client(token) as client:
        content = body if body is not None else b'{"query": "{ viewer { userName } }"}'
        response = client.post("/api/graphql", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]
    assert response.json()["data"] is None


def test_a_stored_response_is_not_served_to_a_plain_text_post(warm):
    # A cross-site form can send text/plain without a preflight; the route refuses it, cached or not.
    with warm.client() as client:
        gql(client, "{ viewer { userName } }")
        response = client.post("/api/graphql", content=b'{"query": "{ viewer { userName } }"}',
                               headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_identical_requests_at_once_execute_once(workspace, caplog):
    """Everyone opening the same dashboard at once (or the window clock moving under a polled one): one of them
    executes, the others wait for it and get what it stored. Whatever the timing, a request either executes first,
    waits, or finds the stored response, so exactly one is executed."""
    caplog.set_level(logging.INFO, logger="gql_monitor.request")
    with RunningMonitor(monitor_settings(workspace)) as fresh:
        with fresh.client() as client, ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(lambda _: post(client, DASHBOARD, {"w": {"lastDays": 5}}), range(6)))
        ids = {response.headers["x-request-id"] for response in responses}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = [r.event for r in caplog.records
                     if r.name == "gql_monitor.request" and r.event["request_id"] in ids]
            if len(lines) == len(ids):
                break
            time.sleep(0.01)
    assert all(response.status_code == 200 for response in responses)
    assert len({response.content.split(b',"extensions"')[0] for response in responses}) == 1
    assert sorted(line["response_cached"] for line in lines) == [False] + [True] * 5
