"""Repaired runs: the whole run's time, and each attempt's time, outcome, cost and task errors, against attempts split
independently from the stand-in's timeline table and usage priced row by row."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from conftest import NOW, RunningMonitor, gql, monitor_settings
from api.helpers import amount, cents, priced_usage_rows, truth

FAR_PAST = datetime(2000, 1, 1, tzinfo=timezone.utc)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=timezone.utc)
ATTEMPTS = """attempts { number startTime endTime inProgress durationSeconds resultState terminationCode }"""


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def repaired_runs(workspace) -> list[tuple[str, str]]:
    """Every run of the timeline with more than one end row: (workspace id, run id)."""
    return truth(workspace, """SELECT workspace_id, run_id FROM lakeflow.job_run_timeline
                               GROUP BY workspace_id, run_id HAVING count(result_state) > 1
                               ORDER BY workspace_id, run_id""")


def attempts_from_timeline(workspace, ws: str, run: str) -> list[dict]:
    """The run's slices in time order, cut after each end row: one attempt per end row (plus a running one)."""
    slices = truth(workspace, """SELECT period_start_time, period_end_time, result_state, termination_code,
                                        run_duration_seconds, compute_ids
                                 FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND run_id = ?
                                 ORDER BY period_start_time, period_end_time""", [ws, run])
    attempts, current = [], []
    for row in slices:
        current.append(row)
        if row[2] is not None:
            attempts.append(current)
            current = []
    if current:
        attempts.append(current)
    out = []
    for number, rows in enumerate(attempts, start=1):
        end = rows[-1] if rows[-1][2] is not None else None
        active = sum(int((r[1] - r[0]).total_seconds()) for r in rows)
        out.append({
            "number": number, "start": rows[0][0], "end": end[1] if end else None,
            "duration": end[4] if end and end[4] is not None else active,
            "result": end[2] if end else None, "code": end[3] if end else None,
            "clusters": {c for r in rows for c in (r[5] or [])},
        })
    return out


def usage_cost(workspace, ws: str, run: str, clusters: set[str] | None = None) -> str:
    where, params = "workspace_id = ? AND usage_metadata.job_run_id = ?", [ws, run]
    if clusters is not None:
        where += f" AND usage_metadata.cluster_id IN ({','.join('?' * len(clusters))})"
        params += sorted(clusters)
    return str(cents(amount(priced_usage_rows(workspace, FAR_PAST, FAR_FUTURE, where, params))))


def at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def test_a_repaired_run_reports_its_whole_time_and_every_attempt(client, workspace):
    runs = repaired_runs(workspace)
    assert len(runs) >= 3, "the generated workspace should hold several repaired runs"
    for ws, run in runs:
        expected = attempts_from_timeline(workspace, ws, run)
        data = gql(client, f"""query($id: ID!) {{ run(id: $id) {{
            startTime endTime durationSeconds wallTimeSeconds repairCount resultState {ATTEMPTS} }} }}""",
                   {"id": f"{ws}:{run}"})["data"]["run"]
        assert [(a["number"], at(a["startTime"]), at(a["endTime"]), a["inProgress"], a["durationSeconds"],
                 a["resultState"], a["terminationCode"]) for a in data["attempts"]] == [
            (e["number"], e["start"], e["end"], e["end"] is None, e["duration"], e["result"], e["code"])
            for e in expected], run
        last = expected[-1]
        assert data["repairCount"] == len(expected) - 1
        assert data["resultState"] == last["result"]
        assert data["durationSeconds"] == sum(e["duration"] for e in expected)
        assert data["wallTimeSeconds"] == int((last["end"] - expected[0]["start"]).total_seconds())
        assert data["wallTimeSeconds"] > data["durationSeconds"], "the wait before the repair is wall time"


def test_a_run_never_repaired_is_one_attempt_of_the_same_figures(client, workspace):
    data = gql(client, f"""{{ runs(first: 30, window: {{start: "{(NOW - timedelta(days=3)).isoformat()}"}},
                                  filter: {{inProgress: false}}) {{
        nodes {{ startTime endTime durationSeconds wallTimeSeconds resultState terminationCode repairCount {ATTEMPTS} }}
        }} }}""")["data"]["runs"]["nodes"]
    single = [n for n in data if n["repairCount"] == 0]
    assert single
    for node in single:
        (attempt,) = node["attempts"]
        assert attempt == {"number": 1, "startTime": node["startTime"], "endTime": node["endTime"],
                           "inProgress": False, "durationSeconds": node["durationSeconds"],
                           "resultState": node["resultState"], "terminationCode": node["terminationCode"]}


def test_each_attempt_costs_its_own_clusters_usage(client, workspace):
    checked = 0
    for ws, run in repaired_runs(workspace):
        expected = attempts_from_timeline(workspace, ws, run)
        clusters = [e["clusters"] for e in expected]
        # Job clusters are started afresh for each attempt: each attempt's usage is on its own clusters.
        if not all(clusters) or any(a & b for i, a in enumerate(clusters) for b in clusters[i + 1:]):
            continue
        data = gql(client, """query($id: ID!) { run(id: $id) { cost { listCost { amount } }
                              attempts { number cost { listCost { amount } } } } }""",
                   {"id": f"{ws}:{run}"})["data"]["run"]
        costs = [str(cents(a["cost"]["listCost"]["amount"])) for a in data["attempts"]]
        assert costs == [usage_cost(workspace, ws, run, c) for c in clusters], run
        assert str(cents(data["cost"]["listCost"]["amount"])) == usage_cost(workspace, ws, run)
        assert cents(sum(Decimal(a["cost"]["listCost"]["amount"]) for a in data["attempts"])) == \
            cents(data["cost"]["listCost"]["amount"])
        checked += 1
    assert checked >= 1, "the generated workspace should hold a repaired run on job clusters"


def test_the_first_attempts_failed_task_shows_its_error(client, workspace):
    home = workspace.state.home_workspace_id
    runs = [(ws, run) for ws, run in repaired_runs(workspace) if ws == home]
    assert runs, "the home workspace should hold a repaired run"
    for ws, run in runs:
        first = attempts_from_timeline(workspace, ws, run)[0]
        data = gql(client, """query($id: ID!) { run(id: $id) { attempts { number
                              tasks { runId startTime resultState errorMessage } } } }""",
                   {"id": f"{ws}:{run}"})["data"]["run"]
        failed = [t for t in data["attempts"][0]["tasks"] if t["resultState"] in ("FAILED", "ERROR", "TIMED_OUT")]
        assert failed, run
        for task in failed:
            assert first["start"] <= at(task["startTime"]) <= first["end"]
            (output,) = truth(workspace, "SELECT output FROM workspace_state.run_outputs WHERE run_id = ?",
                              [int(task["runId"])])[0]
            assert task["errorMessage"] == json.loads(output)["error"], task
        repaired = {t["runId"] for a in data["attempts"][1:] for t in a["tasks"]}
        assert repaired and not repaired & {t["runId"] for t in data["attempts"][0]["tasks"]}


def test_attempts_ride_with_the_run_and_their_costs_are_one_statement(uncached_monitor):
    query = """query($w: TimeWindowInput) { jobs(first: 50) { nodes {
        runs(first: 10, window: $w) { nodes { id %s } } } } }"""
    window = {"start": (NOW - timedelta(days=30)).isoformat()}

    def statements(selection: str) -> int:
        # Uncached: every statement the query needs is sent, whatever ran before.
        with uncached_monitor.client() as client:
            return gql(client, query % selection, {"w": window})["extensions"]["cost"]["warehouseStatements"]

    plain = statements("")
    assert plain == 2  # the jobs page and the runs pages
    assert statements("attempts { number durationSeconds resultState }") == plain
    assert statements("attempts { number cost { listCost { amount } } }") == plain + 1


def test_a_repair_still_running_and_an_hour_two_attempts_share(private_workspace):
    ws = private_workspace
    shared = None
    for ws_id, run in repaired_runs(ws):
        first, second = attempts_from_timeline(ws, ws_id, run)[:2]
        hour = second["start"].replace(minute=0, second=0, microsecond=0)
        if first["end"] > hour and len(second["clusters"]) == 1:
            shared = ws_id, run, first, second, hour
            break
    assert shared, "a repair should start in the hour its failed attempt ended in"
    ws_id, run, first, second, hour = shared
    ended = attempts_from_timeline(ws, ws_id, run)
    db = ws.state.db
    # The repair's bill for that hour loses its cluster id (as serverless usage has none): it could be either
    # attempt's.
    db.execute("""UPDATE billing.usage SET usage_metadata = struct_update(usage_metadata, cluster_id := NULL)
                  WHERE workspace_id = ? AND usage_metadata.job_run_id = ? AND usage_start_time = ?
                    AND usage_metadata.cluster_id = ?""", [ws_id, run, hour, next(iter(second["clusters"]))])
    # Another repair started an hour after the last one ended and has run for ten minutes so far.
    again = ended[-1]["end"] + timedelta(hours=1)
    db.execute("""INSERT INTO lakeflow.job_run_timeline SELECT * REPLACE (
                    ?::TIMESTAMPTZ AS period_start_time, ?::TIMESTAMPTZ AS period_end_time, NULL AS result_state,
                    NULL AS termination_code, NULL AS termination_type, NULL AS setup_duration_seconds,
                    NULL AS queue_duration_seconds, NULL AS run_duration_seconds, NULL AS cleanup_duration_seconds,
                    NULL AS execution_duration_seconds)
                  FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND run_id = ? LIMIT 1""",
               [again, again + timedelta(minutes=10), ws_id, run])

    with RunningMonitor(monitor_settings(ws)) as mon, mon.client() as client:
        data = gql(client, """query($id: ID!) { run(id: $id) { inProgress endTime resultState repairCount
            durationSeconds wallTimeSeconds cost { listCost { amount } }
            attempts { number inProgress endTime durationSeconds cost { listCost { amount } } } } }""",
                   {"id": f"{ws_id}:{run}"})["data"]["run"]
    assert (data["inProgress"], data["endTime"], data["resultState"], data["wallTimeSeconds"]) == (True, None, None,
                                                                                                  None)
    assert data["repairCount"] == len(ended)
    running = data["attempts"][-1]
    assert (running["number"], running["inProgress"], running["endTime"], running["durationSeconds"]) == (
        len(ended) + 1, True, None, 600)
    assert data["durationSeconds"] == sum(e["duration"] for e in ended) + 600
    assert [a["cost"] is None for a in data["attempts"]][:2] == [True, True]
    assert str(cents(data["cost"]["listCost"]["amount"])) == usage_cost(ws, ws_id, run)
