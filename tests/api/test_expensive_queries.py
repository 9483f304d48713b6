"""Queries that look cheap but are not: refused before they run, or while their answer is built, never served.

The review sent thirty aliased `costs(groupBy: JOB) { groups { cost { daily bySku } } }`: they cost 390 of 20,000
(lists without `first` were free) and returned 7.2 MB in 8.9 s while another caller waited. And a few lines of
fragments spreading each other twice expand to millions of selections, which validation walked on the event loop.
"""

from __future__ import annotations

import threading

import pytest
from graphql import parse
from graphql.validation import ValidationRule

from conftest import RunningMonitor, gql, monitor_settings
from api.helpers import truth
from gql_monitor.graphql.edge import ValidatedDocuments
from gql_monitor.graphql.schema import MAX_QUERY_COST, schema

ALIAS = ("a%d: costs(window: {lastDays: 30}, groupBy: JOB) { groups { cost { daily { date dbus } "
         "bySku { skuName quantity } } } }")


def codes(body) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or []}


def test_the_reviewed_aliased_breakdowns_are_refused_before_anything_runs(monitor):
    query = "{ " + " ".join(ALIAS % i for i in range(30)) + " }"
    with monitor.client() as client:
        body = client.post("/api/graphql", json={"query": query}).json()
    assert codes(body) == {"QUERY_TOO_COMPLEX"}, body
    assert body["data"] is None
    assert body["extensions"]["cost"]["queryCost"] > MAX_QUERY_COST
    assert body["extensions"]["cost"]["warehouseStatements"] == 0


def test_a_fragment_bomb_is_refused_before_validation(monitor):
    levels = 16  # 65,536 selections expanded from 18 lines
    query = ("{ jobs(first: 1) { nodes { ...F0 } } } "
             + " ".join(f"fragment F{i} on Job {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
             + f" fragment F{levels} on Job {{ id name }}")
    with monitor.client() as client:
        body = client.post("/api/graphql", json={"query": query}).json()
    assert codes(body) == {"QUERY_TOO_COMPLEX"}, body
    assert "expanded" in body["errors"][0]["message"]


def test_a_spread_of_an_unknown_fragment_is_bad_user_input(monitor):
    with monitor.client() as client:
        body = client.post("/api/graphql", json={"query": "{ jobs(first: 1) { nodes { ...Nope } } }"}).json()
    assert codes(body) == {"BAD_USER_INPUT"}, body


@pytest.fixture(scope="module")
def capped_monitor(workspace):
    # A small response cap and a cost limit out of the way, so the cap is what answers.
    with RunningMonitor(monitor_settings(workspace, max_response_values=300, max_query_cost=10_000_000)) as mon:
        yield mon


def test_an_answer_over_the_response_cap_is_refused_whole(capped_monitor, workspace):
    jobs = truth(workspace, "SELECT count(DISTINCT (workspace_id, job_id)) FROM lakeflow.job_run_timeline")[0][0]
    assert jobs >= 100, "the workspace must have enough jobs to cross the cap"
    # 1 (jobs) + 1 (nodes) + 100 jobs × (1 + id + name) values: over 300
    with capped_monitor.client() as client:
        body = client.post("/api/graphql", json={"query": "{ jobs(first: 100) { nodes { id name } } }"}).json()
    assert codes(body) == {"QUERY_TOO_COMPLEX"}, body
    assert body["data"] is None
    assert "300" in body["errors"][0]["message"]


def test_an_answer_under_the_response_cap_is_whole(capped_monitor):
    # 1 + 1 + 50 × 3 = 152 values
    with capped_monitor.client() as client:
        body = gql(client, "{ jobs(first: 50) { nodes { id name } } }")
    assert len(body["data"]["jobs"]["nodes"]) == 50


def test_the_default_response_cap_leaves_the_dashboards_documents_alone(monitor):
    with monitor.client() as client:
        body = gql(client, "query($w: TimeWindowInput!) { costs(window: $w, groupBy: JOB) { groups { key label "
                           "cost { dbus listCost { amount currency } } } } }", {"w": {"lastDays": 366}})
    assert body["data"]["costs"]["groups"]


async def test_validation_runs_off_the_event_loop_and_once_per_document():
    seen: list[str] = []

    class RecordThread(ValidationRule):
        def enter_document(self, *_):
            seen.append(threading.current_thread().name)

    class Context:
        query = "{ viewer { userName } }"
        graphql_document = parse(query)
        validation_rules = (RecordThread,)

    Context.schema = schema
    documents = ValidatedDocuments()
    assert await documents.validate(Context) == []
    assert await documents.validate(Context) == []
    assert len(seen) == 1 and seen[0].startswith("graphql-validate")
