"""A failing field never loses the rest of the response.

graphql-core cancels the siblings of a field whose error nulls their parent. A sibling may be waiting on a DataLoader
answer that another branch of the same response also waits on; cancelling the sibling must not cancel that shared
answer (it used to: the other branch got CancelledError, which escaped as a bare HTTP 500).
"""

from __future__ import annotations

import pytest

from conftest import gql
from api.helpers import truth

# The shape found by the review: the failing `runs(first: 0)` cancels its sibling `lastRun`, whose `tasks` share a
# pending load with the outer `tasks`. The job id is the one the review used on the seed-7 small workspace.
REVIEWED = ('{ job(id: "1234567890123456:7269314695212") { lastRun { job { runs(first: 0) { totalCount } '
            'lastRun { tasks { terminationCode } } } tasks { resultState } } } }')


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def _jobs_with_tasks(workspace, count: int) -> list[str]:
    rows = truth(workspace, "SELECT DISTINCT workspace_id || ':' || job_id FROM lakeflow.job_task_run_timeline "
                            "ORDER BY 1 LIMIT ?", [count])
    return [r[0] for r in rows]


def _only_bad_input_at(body: dict, *paths: list) -> None:
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body["errors"]
    assert sorted(e["path"] for e in body["errors"]) == sorted(paths)


def test_the_reviewed_query_answers_its_healthy_branch(client, workspace):
    job_id = "1234567890123456:7269314695212"
    assert truth(workspace, "SELECT count(*) FROM lakeflow.job_task_run_timeline WHERE workspace_id || ':' || job_id "
                            "= ?", [job_id])[0][0] > 0, "the reviewed job must have task runs in this workspace"
    response = client.post("/api/graphql", json={"query": REVIEWED})
    assert response.status_code == 200, response.text
    body = response.json()
    _only_bad_input_at(body, ["job", "lastRun", "job", "runs"])
    last_run = body["data"]["job"]["lastRun"]
    assert last_run["job"] is None  # nulled by its failed non-null `runs`
    healthy = gql(client, '{ job(id: "%s") { lastRun { tasks { resultState } } } }' % job_id)
    assert last_run["tasks"] == healthy["data"]["job"]["lastRun"]["tasks"]
    assert last_run["tasks"], "the healthy branch must carry the task runs"


def _contains(whole, part) -> bool:
    """Every value `part` answers is in `whole` at the same place."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and _contains(whole[k], v) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and len(whole) == len(part) and all(map(_contains, whole, part))
    return whole == part


FAILING = "runs(first: 0) { totalCount }"


@pytest.mark.parametrize("healthy, sibling", [
    # Shared per-run loads: task runs and run cost.
    ("lastRun { tasks { resultState } }", "lastRun { tasks { resultState } }"),
    ("lastRun { cost { listCost { amount } } }", "lastRun { cost { listCost { amount } } }"),
    # A page's look-ahead (run_page_details: the runs' tasks and costs), shared by every run of the page.
    ("runs(first: 5) { nodes { tasks { resultState } cost { dbus } } }",
     "runs(first: 5) { nodes { tasks { resultState } cost { dbus } } }"),
    # Shared job-level loads: definitions and workspace.
    ("tasks { taskKey } workspace { id }", "tasks { taskKey } workspace { id }"),
])
def test_similar_shapes_keep_their_healthy_branches(client, workspace, healthy, sibling):
    # `healthy` is asked at the top; the same loads are asked again under `lastRun.job`, next to a failing field.
    failing = "bad: " + FAILING if sibling.startswith("runs(") else FAILING
    query = "query($id: ID!) { job(id: $id) { %s lastRun { job { %s %s } } } }" % (healthy, failing, sibling)
    for job_id in _jobs_with_tasks(workspace, 3):
        response = client.post("/api/graphql", json={"query": query, "variables": {"id": job_id}})
        assert response.status_code == 200, response.text
        body = response.json()
        _only_bad_input_at(body, ["job", "lastRun", "job", "bad" if failing.startswith("bad") else "runs"])
        alone = gql(client, "query($id: ID!) { job(id: $id) { %s } }" % healthy, {"id": job_id})
        assert _contains(body["data"], alone["data"]), (body["data"], alone["data"])
        assert body["data"]["job"]["lastRun"]["job"] is None
