"""Runs in a window are the runs whose FIRST slice starts in it, each reported whole (start, end, duration, cost
identical to `run(id)`), against runs merged independently from the stand-in's timeline table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from conftest import NOW, gql
from api.helpers import amount, cents, priced_usage_rows, truth

RUN_FIELDS = "id startTime endTime durationSeconds repairCount cost { listCost { amount } }"
FAR_PAST = datetime(2000, 1, 1, tzinfo=timezone.utc)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def whole_runs(workspace, where: str = "TRUE", params: list | None = None) -> dict[str, dict]:
    """Every run merged from ALL of its slices: start = first slice, end = end of the latest end row."""
    rows = truth(workspace, f"""
        SELECT workspace_id, job_id, run_id, min(period_start_time),
               max(period_end_time) FILTER (WHERE result_state IS NOT NULL), count(result_state)
        FROM lakeflow.job_run_timeline WHERE {where} GROUP BY workspace_id, job_id, run_id""", params)
    return {f"{ws}:{run}": {"job": f"{ws}:{job}", "start": start, "end": end, "end_rows": ends}
            for ws, job, run, start, end, ends in rows}


def in_window(runs: dict[str, dict], start: datetime, end: datetime, job: str | None = None) -> set[str]:
    return {key for key, run in runs.items() if start <= run["start"] < end and job in (None, run["job"])}


def run_cost(workspace, key: str) -> str:
    ws, run = key.split(":")
    rows = priced_usage_rows(workspace, FAR_PAST, FAR_FUTURE, "workspace_id = ? AND usage_metadata.job_run_id = ?",
                             [ws, run])
    return str(cents(amount(rows)))


def iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat()


def straddler(workspace, *, repaired: bool) -> tuple[str, datetime]:
    """A finished run with slices on both sides of a moment inside the data: a long run's second hourly slice, or
    (repaired) the first slice of its repair. Returns the run key and that moment."""
    ends = "count(result_state) >= 2" if repaired else "count(result_state) = 1 AND count(*) >= 3"
    rows = truth(workspace, f"""
        WITH runs AS (
          SELECT workspace_id, run_id, min(period_start_time) AS start_time,
                 min(period_end_time) FILTER (WHERE result_state IS NOT NULL) AS first_end
          FROM lakeflow.job_run_timeline GROUP BY workspace_id, run_id HAVING {ends})
        SELECT r.workspace_id, r.run_id, min(t.period_start_time)
        FROM runs r JOIN lakeflow.job_run_timeline t ON t.workspace_id = r.workspace_id AND t.run_id = r.run_id
        WHERE t.period_start_time > CASE WHEN ? THEN r.first_end ELSE r.start_time END
          AND r.start_time BETWEEN ? AND ?
        GROUP BY r.workspace_id, r.run_id ORDER BY r.workspace_id, r.run_id LIMIT 1""",
        [repaired, NOW - timedelta(days=25), NOW - timedelta(days=5)])
    assert rows, "the generated workspace should hold such a run"
    ws, run, moment = rows[0]
    return f"{ws}:{run}", moment


def run_by_id(client, key: str) -> dict:
    return gql(client, f"query($id: ID!) {{ run(id: $id) {{ {RUN_FIELDS} }} }}", {"id": key})["data"]["run"]


def assert_whole(node: dict, key: str, runs: dict, by_id: dict, workspace) -> None:
    run = runs[key]
    assert datetime.fromisoformat(node["startTime"]) == run["start"], key
    assert (datetime.fromisoformat(node["endTime"]) if node["endTime"] else None) == run["end"], key
    assert node == by_id, key
    assert str(cents(node["cost"]["listCost"]["amount"])) == run_cost(workspace, key), key


@pytest.mark.parametrize("repaired", [False, True], ids=["long run", "repaired run"])
def test_a_run_that_started_before_the_window_is_not_in_it(client, workspace, repaired):
    key, window_start = straddler(workspace, repaired=repaired)
    window_end = window_start + timedelta(days=3)
    runs = whole_runs(workspace)
    job = runs[key]["job"]
    assert runs[key]["start"] < window_start <= runs[key]["end"]
    expected_all = in_window(runs, window_start, window_end)
    expected = in_window(runs, window_start, window_end, job)
    window = {"start": iso(window_start), "end": iso(window_end)}

    data = gql(client, """query($job: ID!, $w: TimeWindowInput) {
        runs(first: 100, window: $w, filter: {jobIds: [$job]}) { totalCount nodes { id } }
        all: runs(first: 1, window: $w) { totalCount }
        job(id: $job) { runs(first: 100, window: $w) { totalCount nodes { id } }
                        runStats(window: $w) { totalRuns } } }""", {"job": job, "w": window})["data"]

    assert data["all"]["totalCount"] == len(expected_all)
    for page in (data["runs"], data["job"]["runs"]):
        assert page["totalCount"] == len(expected)
        assert {n["id"] for n in page["nodes"]} == expected
    assert data["job"]["runStats"]["totalRuns"] == len(expected)


def test_a_run_that_started_in_the_window_is_reported_whole_though_it_ends_after_it(client, workspace):
    key, window_end = straddler(workspace, repaired=False)
    window_start = window_end - timedelta(days=2)
    runs = whole_runs(workspace)
    job = runs[key]["job"]
    assert window_start <= runs[key]["start"] < window_end < runs[key]["end"]
    window = {"start": iso(window_start), "end": iso(window_end)}

    data = gql(client, f"""query($job: ID!, $w: TimeWindowInput) {{
        runs(first: 100, window: $w, filter: {{jobIds: [$job]}}) {{ totalCount nodes {{ {RUN_FIELDS} }} }}
        job(id: $job) {{ runs(first: 100, window: $w) {{ totalCount nodes {{ {RUN_FIELDS} }} }}
                        runStats(window: $w) {{ totalRuns }} }} }}""", {"job": job, "w": window})["data"]

    expected = in_window(runs, window_start, window_end, job)
    assert key in expected
    assert data["job"]["runStats"]["totalRuns"] == len(expected)
    for page in (data["runs"], data["job"]["runs"]):
        assert {n["id"] for n in page["nodes"]} == expected
        node = next(n for n in page["nodes"] if n["id"] == key)
        assert_whole(node, key, runs, run_by_id(client, key), workspace)


@pytest.mark.parametrize("repaired", [False, True], ids=["long run", "repaired run"])
def test_runs_in_a_window_starting_inside_a_run_are_whole(client, workspace, repaired):
    """Every run listed for a window that starts inside another run: whole, identical to run(id), cost to the cent."""
    key, window_start = straddler(workspace, repaired=repaired)
    runs = whole_runs(workspace)
    window_end = window_start + timedelta(hours=4)
    window = {"start": iso(window_start), "end": iso(window_end)}
    page = gql(client, f"""query($w: TimeWindowInput) {{
        runs(first: 100, window: $w) {{ totalCount nodes {{ {RUN_FIELDS} }} }} }}""", {"w": window})["data"]["runs"]
    expected = in_window(runs, window_start, window_end)
    assert expected and page["totalCount"] == len(expected) <= 100
    assert {n["id"] for n in page["nodes"]} == expected
    for node in page["nodes"]:
        assert_whole(node, node["id"], runs, run_by_id(client, node["id"]), workspace)


@pytest.mark.parametrize("repaired", [False, True], ids=["long run", "repaired run"])
def test_last_run_is_the_latest_run_whole(client, workspace, repaired):
    key, _ = straddler(workspace, repaired=repaired)
    runs = whole_runs(workspace)
    job = runs[key]["job"]
    latest = max((k for k, r in runs.items() if r["job"] == job), key=lambda k: (runs[k]["start"], k))
    data = gql(client, f"query($job: ID!) {{ job(id: $job) {{ lastRun {{ {RUN_FIELDS} }} }} }}",
               {"job": job})["data"]
    node = data["job"]["lastRun"]
    assert node["id"] == latest
    assert_whole(node, latest, runs, run_by_id(client, latest), workspace)
