"""Cost that is unknown is never reported as zero: spend on all-purpose compute is NOT_ATTRIBUTABLE with its reason,
usage not billed yet leaves `complete` false, and a subject that truly cost nothing says zero and complete. Truths
come from the stand-in's tables (timelines, clusters, usage), never from the product's SQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from conftest import NOW, gql
from api.helpers import amount, case, cents, priced_usage_rows, truth

START, END = NOW - timedelta(days=30), NOW + timedelta(hours=1)
WINDOW = {"start": START.isoformat(), "end": END.isoformat()}
COST = "attribution notAttributableReason billedThrough complete listCost { amount }"


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def parse(iso: str) -> datetime:
    return utc(datetime.fromisoformat(iso))


def billed_through(workspace) -> datetime:
    return utc(truth(workspace, "SELECT max(usage_end_time) FROM billing.usage")[0][0])


def task_runs_on_all_purpose(workspace, where: str, params: list) -> tuple[int, int]:
    """(task runs, task runs that used a UI/API cluster) among task runs with a slice matching `where`."""
    return truth(workspace, f"""
        WITH t AS (SELECT DISTINCT workspace_id, run_id, unnest(compute_ids) AS compute_id
                   FROM lakeflow.job_task_run_timeline WHERE {where})
        SELECT count(DISTINCT t.run_id),
               count(DISTINCT CASE WHEN c.cluster_source IN ('UI', 'API') THEN t.run_id END)
        FROM t LEFT JOIN compute.clusters c ON c.workspace_id = t.workspace_id AND c.cluster_id = t.compute_id""",
                 params)[0]


def test_a_job_on_all_purpose_compute_is_not_attributable_and_its_spend_is_in_the_remainder(client, workspace):
    ws, job, _ = case(workspace, "all_purpose_job")
    runs, on_all_purpose = task_runs_on_all_purpose(
        workspace, "workspace_id = ? AND job_id = ? AND period_start_time >= ? AND period_start_time < ?",
        [ws, job, START, END])
    assert runs > 0 and on_all_purpose == runs, "the planted job runs only on all-purpose compute"
    own = priced_usage_rows(workspace, START, END, "workspace_id = ? AND usage_metadata.job_id = ?", [ws, job])
    assert amount(own) == 0, "usage on all-purpose clusters carries no job id"
    (clusters,) = truth(workspace, """SELECT list(DISTINCT c.cluster_id) FROM lakeflow.job_task_run_timeline t,
        compute.clusters c WHERE t.workspace_id = ? AND t.job_id = ? AND c.workspace_id = t.workspace_id
        AND list_contains(t.compute_ids, c.cluster_id)""", [ws, job])[0]
    cluster_spend = amount(priced_usage_rows(workspace, START, END, "list_contains(?, usage_metadata.cluster_id) "
                                             "AND usage_metadata.job_id IS NULL", [clusters]))
    assert cluster_spend > 0

    data = gql(client, f"""query($id: ID!, $w: TimeWindowInput) {{ job(id: $id) {{
        cost(window: $w) {{ {COST} }}
        lastRun {{ cost {{ {COST} }} tasks {{ cost {{ {COST} }} }} }}
        runs(first: 5, window: $w) {{ nodes {{ cost {{ {COST} }} }} }} }} }}""",
               {"id": f"{ws}:{job}", "w": WINDOW})["data"]["job"]
    costs = [data["cost"], data["lastRun"]["cost"], *(t["cost"] for t in data["lastRun"]["tasks"]),
             *(r["cost"] for r in data["runs"]["nodes"])]
    assert len(costs) > 3
    for cost in costs:
        assert cost["attribution"] == "NOT_ATTRIBUTABLE", cost
        assert cost["notAttributableReason"] == "ALL_PURPOSE_COMPUTE"
        assert Decimal(cost["listCost"]["amount"]) == 0

    listed = gql(client, """query($w: TimeWindowInput) { jobs(first: 100, orderBy: ID) { nodes { id
        cost(window: $w) { attribution notAttributableReason } } } }""", {"w": WINDOW})["data"]["jobs"]["nodes"]
    assert {n["id"]: n["cost"] for n in listed}[f"{ws}:{job}"] == {
        "attribution": "NOT_ATTRIBUTABLE", "notAttributableReason": "ALL_PURPOSE_COMPUTE"}

    groups = gql(client, """query($w: TimeWindowInput!) { costs(window: $w, groupBy: JOB) {
        unattributedToJobs { amount } groups { key } } }""", {"w": WINDOW})["data"]["costs"]
    assert f"{ws}:{job}" not in {g["key"] for g in groups["groups"]}
    assert Decimal(groups["unattributedToJobs"]["amount"]) >= cluster_spend


def test_a_job_on_job_compute_is_attributed_with_no_reason(client, workspace):
    ws, job, _ = case(workspace, "flaky_job")
    runs, on_all_purpose = task_runs_on_all_purpose(
        workspace, "workspace_id = ? AND job_id = ? AND period_start_time >= ? AND period_start_time < ?",
        [ws, job, START, END])
    assert runs > 0 and on_all_purpose == 0
    cost = gql(client, f"query($id: ID!, $w: TimeWindowInput) {{ job(id: $id) {{ cost(window: $w) {{ {COST} }} }} }}",
               {"id": f"{ws}:{job}", "w": WINDOW})["data"]["job"]["cost"]
    assert cost["attribution"] == "JOB_USAGE" and cost["notAttributableReason"] is None


def ended_runs(workspace) -> list[tuple]:
    """(workspace, run id, job id, start, end) of every ended run on job compute, from the run timeline."""
    return truth(workspace, """
        SELECT r.workspace_id, r.run_id, any_value(r.job_id), min(r.period_start_time), max(r.period_end_time)
        FROM lakeflow.job_run_timeline r
        WHERE NOT EXISTS (SELECT 1 FROM lakeflow.job_task_run_timeline t, compute.clusters c
                          WHERE t.workspace_id = r.workspace_id AND t.job_run_id = r.run_id
                            AND c.workspace_id = t.workspace_id AND list_contains(t.compute_ids, c.cluster_id)
                            AND c.cluster_source IN ('UI', 'API'))
        GROUP BY r.workspace_id, r.run_id
        HAVING count(r.result_state) > 0
        ORDER BY max(r.period_end_time) DESC, r.run_id""")


def test_a_run_that_ended_after_the_last_billed_hour_is_not_complete(client, workspace):
    billed = billed_through(workspace)
    runs = ended_runs(workspace)
    unbilled = [r for r in runs if utc(r[3]) >= billed]
    partly = [r for r in runs if utc(r[3]) < billed < utc(r[4])]
    whole = [r for r in runs if utc(r[4]) <= billed]
    assert unbilled and partly and whole, "the stand-in has runs after, across and before the last billed hour"
    query = f"query($id: ID!) {{ run(id: $id) {{ endTime cost {{ {COST} }} }} }}"
    for ws, run, _, _, _ in (unbilled[0], partly[0], whole[0]):
        own = priced_usage_rows(workspace, START, END, "workspace_id = ? AND usage_metadata.job_run_id = ?", [ws, run])
        cost = gql(client, query, {"id": f"{ws}:{run}"})["data"]["run"]["cost"]
        assert parse(cost["billedThrough"]) == billed
        assert cents(cost["listCost"]["amount"]) == cents(amount(own))
        assert cost["attribution"] == "JOB_RUN_USAGE" and cost["notAttributableReason"] is None
    ws, run, job, _, _ = unbilled[0]
    cost = gql(client, query, {"id": f"{ws}:{run}"})["data"]["run"]["cost"]
    assert Decimal(cost["listCost"]["amount"]) == 0 and cost["complete"] is False, "unknown, not zero"
    ws, run, _, _, _ = partly[0]
    assert gql(client, query, {"id": f"{ws}:{run}"})["data"]["run"]["cost"]["complete"] is False
    ws, run, _, _, _ = whole[0]
    assert gql(client, query, {"id": f"{ws}:{run}"})["data"]["run"]["cost"]["complete"] is True

    # The same run through its job's runs page (costs asked with the page) and its job's cost.
    ws, run, job, _, _ = unbilled[0]
    data = gql(client, f"""query($id: ID!, $w: TimeWindowInput) {{ job(id: $id) {{ cost(window: $w) {{ {COST} }}
        runs(first: 100, window: $w) {{ nodes {{ id cost {{ {COST} }} }} }} }} }}""",
               {"id": f"{ws}:{job}", "w": WINDOW})["data"]["job"]
    paged = {n["id"]: n["cost"] for n in data["runs"]["nodes"]}
    assert paged[f"{ws}:{run}"]["complete"] is False
    assert parse(paged[f"{ws}:{run}"]["billedThrough"]) == billed
    assert data["cost"]["complete"] is False, "the job's latest run is not billed yet"


def test_a_run_in_progress_is_never_complete(client, workspace):
    ws, _, run = case(workspace, "active_long_run")
    cost = gql(client, f"query($id: ID!) {{ run(id: $id) {{ inProgress cost {{ {COST} }} }} }}",
               {"id": f"{ws}:{run}"})["data"]["run"]
    assert cost["inProgress"] is True and cost["cost"]["complete"] is False


def test_a_job_that_truly_cost_nothing_says_zero_and_complete(client, workspace):
    billed = billed_through(workspace)
    start, end = billed - timedelta(days=3), billed - timedelta(days=2)
    idle = truth(workspace, """
        SELECT j.workspace_id, j.job_id FROM lakeflow.jobs j
        WHERE NOT EXISTS (SELECT 1 FROM lakeflow.job_task_run_timeline t WHERE t.workspace_id = j.workspace_id
                          AND t.job_id = j.job_id AND t.period_start_time >= ? AND t.period_start_time < ?)
          AND NOT EXISTS (SELECT 1 FROM billing.usage u WHERE u.workspace_id = j.workspace_id
                          AND u.usage_metadata.job_id = j.job_id AND u.usage_start_time >= ? AND u.usage_start_time < ?)
          AND EXISTS (SELECT 1 FROM billing.usage u WHERE u.workspace_id = j.workspace_id
                      AND u.usage_metadata.job_id = j.job_id)
        GROUP BY ALL ORDER BY 1, 2 LIMIT 1""", [start, end, start, end])
    assert idle, "some job ran nothing in that day"
    ws, job = idle[0]
    cost = gql(client, f"query($id: ID!, $w: TimeWindowInput) {{ job(id: $id) {{ cost(window: $w) {{ {COST} }} }} }}",
               {"id": f"{ws}:{job}", "w": {"start": start.isoformat(), "end": end.isoformat()}})["data"]["job"]["cost"]
    assert cost == {"attribution": "JOB_USAGE", "notAttributableReason": None, "billedThrough": cost["billedThrough"],
                    "complete": True, "listCost": {"amount": "0.000000"}}
    assert parse(cost["billedThrough"]) == billed


def test_a_job_whose_runs_are_all_billed_is_complete(client, workspace):
    billed = billed_through(workspace)
    ws, run, job, _, ended = next(r for r in ended_runs(workspace) if utc(r[4]) <= billed - timedelta(hours=2))
    window = {"start": (utc(ended) - timedelta(days=1)).isoformat(), "end": (utc(ended) + timedelta(minutes=1)).isoformat()}
    cost = gql(client, f"query($id: ID!, $w: TimeWindowInput) {{ job(id: $id) {{ cost(window: $w) {{ {COST} }} }} }}",
               {"id": f"{ws}:{job}", "w": window})["data"]["job"]["cost"]
    assert cost["complete"] is True


def test_cost_groups_are_complete_only_once_billing_covers_the_window(client, workspace):
    billed = billed_through(workspace)
    query = """query($w: TimeWindowInput!) { costs(window: $w, groupBy: SKU) { billedThrough complete
        groups { cost { billedThrough complete } } } }"""
    current = gql(client, query, {"w": WINDOW})["data"]["costs"]
    assert parse(current["billedThrough"]) == billed and current["complete"] is False
    assert {g["cost"]["complete"] for g in current["groups"]} == {False}
    past = gql(client, query, {"w": {"start": (billed - timedelta(days=2)).isoformat(),
                                     "end": billed.isoformat()}})["data"]["costs"]
    assert past["complete"] is True and {g["cost"]["complete"] for g in past["groups"]} == {True}


def test_a_task_run_alone_on_its_job_cluster_has_a_cost_before_it_is_billed(client, workspace):
    billed = billed_through(workspace)
    alone = truth(workspace, """
        WITH t AS (SELECT DISTINCT workspace_id, job_run_id, run_id, unnest(compute_ids) AS cluster_id,
                          min(period_start_time) OVER (PARTITION BY workspace_id, run_id) AS started
                   FROM lakeflow.job_task_run_timeline),
             sole AS (SELECT t.workspace_id, t.job_run_id, any_value(t.run_id) AS task_run_id,
                             min(t.started) AS started
                      FROM t JOIN compute.clusters c ON c.workspace_id = t.workspace_id AND c.cluster_id = t.cluster_id
                      WHERE c.cluster_source = 'JOB'
                      GROUP BY t.workspace_id, t.job_run_id, t.cluster_id HAVING count(DISTINCT t.run_id) = 1)
        SELECT workspace_id, job_run_id, task_run_id FROM sole WHERE started >= ? ORDER BY 1, 2, 3 LIMIT 1""",
                  [billed])
    assert alone, "a task run alone on its job cluster, started after the last billed hour"
    ws, run, task_run = alone[0]
    tasks = gql(client, f"query($id: ID!) {{ run(id: $id) {{ tasks {{ runId cost {{ {COST} }} }} }} }}",
                {"id": f"{ws}:{run}"})["data"]["run"]["tasks"]
    cost = {t["runId"]: t["cost"] for t in tasks}[str(task_run)]
    assert cost is not None, "attributable, only not billed yet"
    assert cost["attribution"] == "EXCLUSIVE_CLUSTER" and cost["complete"] is False
    assert Decimal(cost["listCost"]["amount"]) == 0
