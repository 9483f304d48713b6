"""`jobs(orderBy:)` by health, spend and last run, and `JobFilter.priorities`: every job once, in the order the
fields it sorts by say, page after page with keyset cursors, and the SQL's priority the same as `Job.health`'s."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from conftest import RunningMonitor, gql, monitor_settings
from api.test_batching import DASHBOARD

RANK = {"P1": 1, "P2": 2, "P3": 3, "HEALTHY": 4}
FIELDS = """id name health { priority failureStreak last7Days { successRate } } cost { listCost { amount } }
            lastRun { startTime }"""


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def pages(client, order: str, first: int, filter: dict | None = None, fields: str = FIELDS) -> list[list[dict]]:
    out, after = [], None
    while True:
        body = gql(client, """query($o: JobOrder!, $first: Int!, $after: String, $f: JobFilter) {
            jobs(first: $first, after: $after, orderBy: $o, filter: $f) {
              totalCount nodes { %s } pageInfo { hasNextPage endCursor } } }""" % fields,
                   {"o": order, "first": first, "after": after, "f": filter})["data"]["jobs"]
        out.append(body["nodes"])
        if not body["pageInfo"]["hasNextPage"]:
            return out
        after = body["pageInfo"]["endCursor"]


def name(job: dict) -> str:
    return (job["name"] or "").lower()


def sort_key(order: str, job: dict):
    health = job["health"]
    rate = health["last7Days"]["successRate"]
    started = job["lastRun"]["startTime"] if job["lastRun"] else None
    return {
        "PRIORITY": lambda: (RANK[health["priority"]], -health["failureStreak"], name(job)),
        "FAILURE_STREAK": lambda: (-health["failureStreak"], name(job)),
        "SUCCESS_RATE": lambda: (rate is None, rate or 0, name(job)),
        "COST": lambda: (-Decimal(job["cost"]["listCost"]["amount"]), name(job)),
        "LAST_RUN": lambda: (started is None, -datetime.fromisoformat(started).timestamp() if started else 0,
                             name(job)),
    }[order]()


@pytest.fixture(scope="module")
def every_job(client) -> dict[str, dict]:
    return {job["id"]: job for page in pages(client, "NAME", 100) for job in page}


@pytest.mark.parametrize("order", ["PRIORITY", "FAILURE_STREAK", "SUCCESS_RATE", "COST", "LAST_RUN"])
def test_an_order_lists_every_job_once_sorted_by_its_field_across_pages(client, every_job, order):
    listed = pages(client, order, 17)
    assert len(listed) > 3, "paging must cross several pages"
    jobs = [job for page in listed for job in page]
    assert [job["id"] for job in jobs if job["id"] in every_job] == [job["id"] for job in jobs]
    assert sorted(job["id"] for job in jobs) == sorted(every_job)
    keys = [sort_key(order, job) for job in jobs]
    assert keys == sorted(keys), order


def test_the_orders_differ_from_each_other(client):
    firsts = {order: [job["id"] for job in pages(client, order, 10, fields="id")[0]]
              for order in ("NAME", "PRIORITY", "SUCCESS_RATE", "COST", "LAST_RUN")}
    assert len({tuple(ids) for ids in firsts.values()}) == len(firsts)


def test_the_priority_filter_agrees_with_each_jobs_health(client, every_job):
    by_priority = {p: {job for job, node in every_job.items() if node["health"]["priority"] == p} for p in RANK}
    assert by_priority["P1"] and by_priority["P3"] and by_priority["HEALTHY"]
    for priority, expected in by_priority.items():
        listed = [job["id"] for page in pages(client, "NAME", 100, {"priorities": [priority]}, "id") for job in page]
        assert set(listed) == expected, priority
        assert len(listed) == len(expected)
    both = pages(client, "PRIORITY", 100, {"priorities": ["P3", "P1"]}, "id health { priority }")[0]
    assert [job["health"]["priority"] for job in both] == ["P1"] * len(by_priority["P1"]) + ["P3"] * len(
        by_priority["P3"])
    # An empty list filters nothing.
    assert len(pages(client, "NAME", 100, {"priorities": []}, "id")[0]) == min(100, len(every_job))


def test_the_sql_ranks_by_the_thresholds_of_the_settings(workspace):
    settings = monitor_settings(workspace, health_p1_failure_streak=5, health_p3_success_rate=0.95,
                                health_min_failed_runs=1)
    with RunningMonitor(settings) as mon, mon.client() as client:
        jobs = [job for page in pages(client, "PRIORITY", 50, fields="id health { priority failureStreak }")
                for job in page]
        ranks = [RANK[job["health"]["priority"]] for job in jobs]
        assert ranks == sorted(ranks)
        for priority in ("P1", "P3"):
            listed = {job["id"] for job in pages(client, "NAME", 100, {"priorities": [priority]}, "id")[0]}
            assert listed == {job["id"] for job in jobs if job["health"]["priority"] == priority}
        assert all(job["health"]["failureStreak"] >= 5 for job in jobs if job["health"]["priority"] == "P1")
        assert any(job["health"]["failureStreak"] == 4 and job["health"]["priority"] == "P2" for job in jobs)


def test_a_cursor_keeps_its_order(client):
    first = gql(client, "{ jobs(first: 5, orderBy: COST) { pageInfo { endCursor } } }")
    cursor = first["data"]["jobs"]["pageInfo"]["endCursor"]
    body = gql(client, "query($c: String) { jobs(first: 5, orderBy: PRIORITY, after: $c) { totalCount } }",
               {"c": cursor}, expect_errors=True)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}


@pytest.mark.parametrize("order", ["NAME", "PRIORITY", "COST", "LAST_RUN"])
def test_the_dashboard_costs_the_same_statements_in_every_order(uncached_monitor, order):
    with uncached_monitor.client() as client:
        body = gql(client, DASHBOARD.replace("jobs(first: 50)", f"jobs(first: 50, orderBy: {order})"),
                   {"w": {"lastDays": 60}})
        assert body["extensions"]["cost"]["warehouseStatements"] == 5
        filtered = gql(client, "{ jobs(first: 50, filter: {priorities: [P1, P2]}) { nodes { id health { priority } } } }")
        assert filtered["extensions"]["cost"]["warehouseStatements"] == 2  # the ranked page, the page's health
