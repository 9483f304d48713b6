"""A runs page's look-ahead (loaders/runs.py, run_page_details.sql) answers what each part asked on its own answers.

The dashboard's runs pages ask for their runs' cost and task runs in the page's own statement. Here the same
operation's answers are compared with the page asked without look-ahead (runs.sql) and with each run's cost and task
runs asked by id (`run(id:)`: cost_by_run.sql and task_runs.sql, other statements altogether), field by field."""

from __future__ import annotations

import pytest

from conftest import RunningMonitor, gql, monitor_settings

COST = "cost { window { start end } dbus listCost { amount currency } unpricedQuantity attribution " \
       "notAttributableReason billedThrough complete bySku { skuName usageUnit quantity } daily { date dbus } }"
TASKS = "tasks { id runId taskKey startTime endTime resultState terminationCode terminationType durationSeconds " \
        "computeIds setupDurationSeconds executionDurationSeconds cleanupDurationSeconds }"
RUN = "id runId startTime endTime resultState durationSeconds attempts { number resultState }"
PAGE = "runs(first: 10, window: $w) { totalCount pageInfo { hasNextPage endCursor } nodes { %s } }"
OPERATION = "query($w: TimeWindowInput) { jobs(first: 50) { nodes { id %s } } }"
WINDOW = {"w": {"lastDays": 60}}
BY_ID = 20  # runs asked by id per operation, under the limit of fields per operation


@pytest.fixture(scope="module")
def client(workspace):
    # Uncached, so every operation is answered by its own statements; every field of every run is asked, far over the
    # default query cost limit.
    settings = monitor_settings(workspace, table_cache_seconds=0, live_cache_seconds=0, max_query_cost=10**7)
    with RunningMonitor(settings) as running, running.client() as c:
        yield c


def pages(client, fields: str) -> dict:
    jobs = gql(client, OPERATION % (PAGE % fields), WINDOW)["data"]["jobs"]["nodes"]
    return {job["id"]: job["runs"] for job in jobs}


def by_id(client, run_ids: list[str]) -> dict:
    answers = {}
    for at in range(0, len(run_ids), BY_ID):
        chunk = run_ids[at:at + BY_ID]
        aliases = " ".join(f'r{i}: run(id: "{run_id}") {{ ...R }}' for i, run_id in enumerate(chunk))
        data = gql(client, "{ %s } fragment R on Run { %s %s %s }" % (aliases, RUN, COST, TASKS))["data"]
        answers.update({run_id: data[f"r{i}"] for i, run_id in enumerate(chunk)})
    return answers


@pytest.mark.parametrize("look_ahead", [f"{COST} {TASKS}", COST, TASKS], ids=["both", "cost", "tasks"])
def test_the_look_ahead_answers_what_each_run_asked_alone_answers(client, look_ahead):
    merged = pages(client, f"{RUN} {look_ahead}")
    plain = pages(client, RUN)
    # The pages themselves: the same runs, counts and cursors as the page asked without look-ahead.
    strip = {"cost", "tasks"}
    assert {job: {**page, "nodes": [{k: v for k, v in run.items() if k not in strip} for run in page["nodes"]]}
            for job, page in merged.items()} == plain
    runs = [run for page in merged.values() for run in page["nodes"]]
    assert len(runs) > 200
    if "tasks" in look_ahead:
        assert sum(len(run["tasks"]) for run in runs) > len(runs)
    alone = by_id(client, [run["id"] for run in runs])
    for run in runs:
        assert run == {k: v for k, v in alone[run["id"]].items() if k in run}, run["id"]
    if "cost" in look_ahead:
        assert any(float(run["cost"]["listCost"]["amount"]) > 0 for run in runs)
        assert any(not run["cost"]["complete"] for run in runs) or all(run["endTime"] for run in runs)
