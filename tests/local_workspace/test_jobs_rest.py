"""The stand-in's Jobs API, driven by the real databricks-sdk over HTTP.

Most tests use a small hand-written DuckDB file rather than the generator's output, so their expectations follow from
the rows defined in this file; the last test runs the SDK against a generated small workspace.
"""

from __future__ import annotations

import base64
import importlib.util
import itertools
import json
import threading
from datetime import datetime, timezone

import duckdb
import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.core import Config
from databricks.sdk.service.jobs import Run, RunLifeCycleState, RunType

from gql_monitor.local_workspace.server import LocalWorkspace
from gql_monitor.local_workspace.state import DDL

HOME_WORKSPACE_ID = "1234567890123456"
T0 = 1_763_640_000_000  # 2025-11-20T12:00:00Z, the fixture's "now"
MINUTE = 60_000
DAY = 24 * 60 * MINUTE
ANALYST = "analyst@example.com"

# job_id: (name, created_time, number of tasks)
JOBS = {
    11: ("Nightly ETL", T0 - 10 * DAY, 2),
    12: ("hourly-sync", T0 - 9 * DAY, 1),
    13: ("Reports", T0 - 8 * DAY, 1),
    14: ("ML Training", T0 - 8 * DAY, 1),  # same created_time as 13: the job id breaks the tie
    15: ("Cleanup", T0 - 7 * DAY, 1),
    16: ("Huge fan-out", T0 - 6 * DAY, 130),  # more tasks than one 2.2 page holds
    17: ("nightly etl", T0 - 5 * DAY, 1),  # same name as 11 in another case
}
ACL = [(11, ANALYST), (13, "Analyst@Example.com"), (12, "someone-else@example.com")]

# run_id: (job_id, start minutes before T0, life_cycle_state, result_state, run_type, task run ids)
RUNS = {
    101: (11, 300, "TERMINATED", "SUCCESS", "JOB_RUN", [1011, 1012]),
    102: (12, 240, "TERMINATED", "FAILED", "JOB_RUN", [1021]),
    103: (12, 180, "TERMINATED", "SUCCESS", "JOB_RUN", [1031]),
    104: (13, 180, "TERMINATED", "SUCCESS", "JOB_RUN", [1041]),  # same start as 103: run id breaks the tie
    105: (11, 120, "RUNNING", None, "JOB_RUN", [1051, 1052]),
    106: (14, 60, "QUEUED", None, "JOB_RUN", [1061]),
    107: (15, 90, "TERMINATED", "SUCCESS", "WORKFLOW_RUN", [1071]),
    108: (99, 360, "TERMINATED", "SUCCESS", "SUBMIT_RUN", [1081]),  # its job was deleted
    109: (16, 30, "TERMINATED", "SUCCESS", "JOB_RUN", list(range(20000, 20105))),
    110: (13, 20, "TERMINATED", "CANCELED", "JOB_RUN", [1101]),
    111: (12, 10, "TERMINATED", "SUCCESS", "JOB_RUN", [1111]),
}
ACTIVE = {"QUEUED", "PENDING", "RUNNING", "TERMINATING"}


def start_of(run_id: int) -> int:
    return T0 - RUNS[run_id][1] * MINUTE


def expected_run_order(run_ids) -> list[int]:
    return sorted(run_ids, key=lambda r: (start_of(r), r), reverse=True)


def expected_job_order(job_ids) -> list[int]:
    return sorted(job_ids, key=lambda j: (JOBS[j][1], j), reverse=True)


def analyst_jobs() -> set[int]:
    return {job for job, user in ACL if user.lower() == ANALYST}


# -- the fixture database --------------------------------------------------------------------------------------------


def _task_settings(job_id: int, n: int) -> list[dict]:
    if n == 1:
        return [{"task_key": "main", "notebook_task": {"notebook_path": f"/Jobs/{job_id}/main"}}]
    return [
        {
            "task_key": f"t{i}",
            "depends_on": [{"task_key": f"t{i - 1}"}] if i else [],
            "notebook_task": {"notebook_path": f"/Jobs/{job_id}/t{i}"},
            "job_cluster_key": "main",
        }
        for i in range(n)
    ]


def job_settings(job_id: int) -> dict:
    name, _, n_tasks = JOBS[job_id]
    return {
        "name": name,
        "tags": {"team": "data"},
        "format": "MULTI_TASK",
        "max_concurrent_runs": 1,
        "schedule": {"quartz_cron_expression": "0 0 2 * * ?", "timezone_id": "UTC", "pause_status": "UNPAUSED"},
        "tasks": _task_settings(job_id, n_tasks),
        "job_clusters": [{"job_cluster_key": "main", "new_cluster": {"spark_version": "15.4.x-scala2.12"}}],
        "parameters": [{"name": "env", "default": "dev"}],
    }


def _state(life: str, result: str | None) -> tuple[dict, dict]:
    state = {"life_cycle_state": life, "state_message": "", "user_cancelled_or_timedout": result == "CANCELED"}
    if result:
        state["result_state"] = result
    status: dict = {"state": life if life != "QUEUED" else "QUEUED"}
    if life == "TERMINATED":
        code = {"SUCCESS": "SUCCESS", "FAILED": "RUN_EXECUTION_ERROR", "CANCELED": "USER_CANCELED"}[result]
        kind = "SUCCESS" if result in ("SUCCESS", "CANCELED") else "CLIENT_ERROR"
        status["termination_details"] = {"code": code, "type": kind, "message": ""}
    return state, status


def run_json(run_id: int, job_id: int, start: int, life: str, result: str | None, run_type: str, tasks) -> dict:
    end = 0 if life in ACTIVE else start + 5 * MINUTE
    state, status = _state(life, result)
    task_runs = []
    for i, task_run_id in enumerate(tasks):
        task_life, task_result = (life, result) if i == len(tasks) - 1 else ("TERMINATED", "SUCCESS")
        t_state, t_status = _state(task_life, task_result)
        task_runs.append(
            {
                "task_key": "main" if len(tasks) == 1 else f"t{i}",
                "run_id": task_run_id,
                "attempt_number": 0,
                "state": t_state,
                "status": t_status,
                "start_time": start,
                "end_time": end,
                "run_duration": (end - start) if end else 0,
                "cluster_instance": {"cluster_id": f"0101-{run_id}", "spark_context_id": "1"},
                "run_page_url": "https://stale.example.com/not-this",
            }
        )
    return {
        "job_id": job_id,
        "run_id": run_id,
        "number_in_job": run_id,
        "original_attempt_run_id": run_id,
        "attempt_number": 0,
        "creator_user_name": "admin@example.com",
        "run_name": JOBS.get(job_id, ("adhoc",))[0],
        "run_type": run_type,
        "trigger": "PERIODIC",
        "state": state,
        "status": status,
        "start_time": start,
        "end_time": end,
        "run_duration": (end - start) if end else 0,
        "setup_duration": 0,
        "execution_duration": 0,
        "cleanup_duration": 0,
        "queue_duration": 0,
        "run_page_url": "https://stale.example.com/not-this",
        "job_parameters": [{"name": "env", "default": "dev", "value": "prod"}],
        "tasks": task_runs,
        "repair_history": [
            {"type": "ORIGINAL", "id": run_id * 10, "start_time": start, "end_time": end, "task_run_ids": tasks}
        ],
        "has_more": False,
    }


def insert_run(con, run_id: int, job_id: int, start: int, life="TERMINATED", result="SUCCESS", run_type="JOB_RUN",
               tasks=None) -> None:
    tasks = tasks if tasks is not None else [run_id * 10 + 1]
    run = run_json(run_id, job_id, start, life, result, run_type, tasks)
    con.execute(
        "INSERT INTO workspace_state.runs VALUES (?, ?, ?, ?, ?, ?, ?)",
        [run_id, job_id, start, run["end_time"], life in ACTIVE, run_type, json.dumps(run)],
    )


def build_database(path: str) -> None:
    con = duckdb.connect(path)
    con.execute(DDL)
    con.executemany(
        "INSERT INTO workspace_state.meta VALUES (?, ?)",
        [["home_workspace_id", HOME_WORKSPACE_ID], ["now_ms", str(T0)], ["account_id", "acc-local"],
         ["scale", "fixture"], ["seed", "0"]],
    )
    for job_id, (name, created, _) in JOBS.items():
        con.execute(
            "INSERT INTO workspace_state.jobs VALUES (?, ?, ?, ?, ?)",
            [job_id, "admin@example.com", "admin@example.com", created, json.dumps(job_settings(job_id))],
        )
    con.executemany("INSERT INTO workspace_state.job_acl VALUES (?, ?)", [list(row) for row in ACL])
    for run_id, (job_id, minutes, life, result, run_type, tasks) in RUNS.items():
        insert_run(con, run_id, job_id, T0 - minutes * MINUTE, life, result, run_type, tasks)
        for task_run_id in tasks[:3]:
            output = {"notebook_output": {"result": f"output of {task_run_id}", "truncated": False}, "logs": "ok"}
            if result == "FAILED":
                output = {"error": "ZeroDivisionError: division by zero", "error_trace": "Traceback ..."}
            con.execute(
                "INSERT INTO workspace_state.run_outputs VALUES (?, ?)", [task_run_id, json.dumps(output)]
            )
    con.close()


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("jobs_rest") / "workspace.duckdb")
    build_database(path)
    # meta is filled, so open_database uses the file as it is and never runs the generator.
    with LocalWorkspace(db_path=path, port=0) as workspace:
        yield workspace


@pytest.fixture(autouse=True)
def _no_faults(request):
    yield
    if "ws" in request.fixturenames:
        request.getfixturevalue("ws").faults.update(
            {"jobs_api_429_rate": 0, "jobs_api_500_rate": 0, "jobs_api_latency_ms": 0}
        )


def client(ws, token: str = "local-admin", retry_timeout: int = 3) -> WorkspaceClient:
    return WorkspaceClient(
        config=Config(
            host=ws.base_url, token=token, auth_type="pat", retry_timeout_seconds=retry_timeout, http_timeout_seconds=5
        )
    )


@pytest.fixture(scope="module")
def admin(ws):
    return client(ws)


@pytest.fixture(scope="module")
def analyst(ws):
    return client(ws, "local-analyst")


def raw_pages(w, path: str, query: dict, max_pages: int = 50) -> list[dict]:
    pages, query = [], dict(query)
    for _ in range(max_pages):
        page = w.api_client.do("GET", path, query=query)
        pages.append(page)
        if not page.get("next_page_token"):
            return pages
        query["page_token"] = page["next_page_token"]
    raise AssertionError("pagination did not end")


# -- jobs/list -------------------------------------------------------------------------------------------------------


def test_jobs_list_walks_every_job_once_newest_first(admin):
    jobs = list(admin.jobs.list(limit=2))
    assert [j.job_id for j in jobs] == expected_job_order(JOBS)

    pages = raw_pages(admin, "/api/2.2/jobs/list", {"limit": 2})
    assert len(pages) == 4
    assert [p["has_more"] for p in pages] == [True, True, True, False]
    assert "prev_page_token" not in pages[0]
    assert all("prev_page_token" in p for p in pages[1:])
    first = pages[0]["jobs"][0]
    assert set(first) == {"job_id", "creator_user_name", "run_as_user_name", "created_time", "settings"}
    assert first["created_time"] == JOBS[first["job_id"]][1]


def test_deprecated_offset_starts_the_first_page_further_down(admin):
    page = admin.api_client.do("GET", "/api/2.2/jobs/list", query={"limit": 2, "offset": 2})
    assert [j["job_id"] for j in page["jobs"]] == expected_job_order(JOBS)[2:4]
    assert page["prev_page_token"] and page["next_page_token"]
    rest = raw_pages(admin, "/api/2.2/jobs/list", {"limit": 2, "page_token": page["next_page_token"]})
    assert [j["job_id"] for p in rest for j in p["jobs"]] == expected_job_order(JOBS)[4:]


def test_jobs_list_expand_tasks_and_name_filter(admin):
    plain = admin.api_client.do("GET", "/api/2.2/jobs/list", query={"limit": 100})["jobs"]
    assert all("tasks" not in j["settings"] and "job_clusters" not in j["settings"] for j in plain)
    assert all(j["settings"]["name"] == JOBS[j["job_id"]][0] for j in plain)

    expanded = {j.job_id: j for j in admin.jobs.list(expand_tasks=True, limit=3)}
    assert {k: len(v.settings.tasks) for k, v in expanded.items()} == {k: v[2] for k, v in JOBS.items()}
    raw = admin.api_client.do("GET", "/api/2.2/jobs/list", query={"limit": 100, "expand_tasks": "true"})["jobs"]
    big = next(j for j in raw if j["job_id"] == 16)
    assert big["has_more"] is True and len(big["settings"]["tasks"]) == 100

    # Exact match, case-insensitive: both spellings of "Nightly ETL", nothing for a prefix.
    assert sorted(j.job_id for j in admin.jobs.list(name="NIGHTLY etl")) == [11, 17]
    assert list(admin.jobs.list(name="Nightly")) == []


# -- jobs/get --------------------------------------------------------------------------------------------------------


def test_jobs_get_full_job_and_2_2_array_pages(admin):
    job = admin.jobs.get(job_id=11)
    assert job.settings.name == "Nightly ETL"
    assert [t.task_key for t in job.settings.tasks] == ["t0", "t1"]
    assert job.run_as_user_name == "admin@example.com"

    # 2.2 returns 100 tasks per response and a token for the rest; the SDK merges the pages.
    raw = admin.api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": 16})
    assert len(raw["settings"]["tasks"]) == 100 and raw["next_page_token"]
    assert [t.task_key for t in admin.jobs.get(job_id=16).settings.tasks] == [f"t{i}" for i in range(130)]
    # 2.1 has no array pages.
    raw21 = admin.api_client.do("GET", "/api/2.1/jobs/get", query={"job_id": 16})
    assert len(raw21["settings"]["tasks"]) == 130 and "next_page_token" not in raw21
    assert "next_page_token" not in admin.api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": 12})


def test_unknown_job_and_run_raise_resource_does_not_exist(admin):
    with pytest.raises(sdk_errors.ResourceDoesNotExist) as exc:
        admin.jobs.get(job_id=123)
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
    assert str(exc.value) == "Job 123 does not exist."
    with pytest.raises(sdk_errors.ResourceDoesNotExist, match="Run 123 does not exist"):
        admin.jobs.get_run(run_id=123)
    with pytest.raises(sdk_errors.ResourceDoesNotExist, match="Run 123 does not exist"):
        admin.jobs.get_run_output(run_id=123)


# -- runs/list -------------------------------------------------------------------------------------------------------


def test_runs_list_walks_every_run_once_newest_first(admin):
    runs = list(admin.jobs.list_runs(limit=2))
    assert [r.run_id for r in runs] == expected_run_order(RUNS)
    assert all(not r.tasks for r in runs)
    plain = admin.api_client.do("GET", "/api/2.2/jobs/runs/list", query={"limit": 25})["runs"]
    assert all("tasks" not in r and "job_clusters" not in r for r in plain)

    head = list(itertools.islice(admin.jobs.list_runs(job_id=12, limit=2), 5))
    assert [r.run_id for r in head] == [111, 103, 102]

    pages = raw_pages(admin, "/api/2.2/jobs/runs/list", {"limit": 4})
    assert [len(p.get("runs", [])) for p in pages] == [4, 4, 3]
    assert [p["has_more"] for p in pages] == [True, True, False]


def test_runs_list_page_tokens_are_keyset_cursors(ws, admin):
    order = expected_run_order(RUNS)
    first = admin.api_client.do("GET", "/api/2.2/jobs/runs/list", query={"limit": 3})
    assert [r["run_id"] for r in first["runs"]] == order[:3]
    con = ws.state.cursor()
    try:
        insert_run(con, 200, 11, T0)  # newer than everything already listed
        insert_run(con, 202, 11, T0 - 15 * MINUTE)  # inside the page already seen
        insert_run(con, 201, 11, T0 - 100 * MINUTE)  # inside the part not yet seen
        second = admin.api_client.do(
            "GET", "/api/2.2/jobs/runs/list", query={"limit": 3, "page_token": first["next_page_token"]}
        )
        # An offset would now repeat 109; a keyset continues right after it and picks up 201 in its place.
        assert [r["run_id"] for r in second["runs"]] == [106, 107, 201]

        back = admin.api_client.do(
            "GET", "/api/2.2/jobs/runs/list", query={"limit": 3, "page_token": second["prev_page_token"]}
        )
        assert [r["run_id"] for r in back["runs"]] == [202, 110, 109]
        assert back["has_more"] is True and back["prev_page_token"]
        assert back["next_page_token"]
        again = admin.api_client.do(
            "GET", "/api/2.2/jobs/runs/list", query={"limit": 3, "page_token": back["next_page_token"]}
        )
        assert [r["run_id"] for r in again["runs"]] == [106, 107, 201]
    finally:
        con.execute("DELETE FROM workspace_state.runs WHERE run_id IN (200, 201, 202)")

    token = first["next_page_token"]
    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    assert str(start_of(order[2])) in decoded and str(order[2]) in decoded


def test_runs_list_filters(admin):
    def ids(**kwargs) -> list[int]:
        return [r.run_id for r in admin.jobs.list_runs(limit=25, **kwargs)]

    assert ids(job_id=13) == [110, 104]
    assert ids(active_only=True) == expected_run_order(r for r, v in RUNS.items() if v[2] in ACTIVE)
    assert ids(completed_only=True) == expected_run_order(r for r, v in RUNS.items() if v[2] not in ACTIVE)
    # Both bounds are inclusive.
    assert ids(start_time_from=start_of(104), start_time_to=start_of(107)) == [107, 105, 104, 103]
    assert ids(start_time_from=start_of(110)) == [111, 110]
    assert ids(start_time_to=start_of(108)) == [108]
    assert ids(run_type=RunType.WORKFLOW_RUN) == [107]
    assert ids(run_type=RunType.SUBMIT_RUN) == [108]
    assert ids(job_id=12, completed_only=True, start_time_to=start_of(103)) == [103, 102]
    assert ids(job_id=4242) == []

    expanded = list(admin.jobs.list_runs(job_id=11, expand_tasks=True, limit=1))
    assert [[t.run_id for t in r.tasks] for r in expanded] == [[1051, 1052], [1011, 1012]]
    # A run with more than 100 task runs: the list shows 100, the SDK fetches the rest through runs/get.
    raw = admin.api_client.do("GET", "/api/2.2/jobs/runs/list", query={"job_id": 16, "expand_tasks": "true"})
    assert raw["runs"][0]["has_more"] is True and len(raw["runs"][0]["tasks"]) == 100
    big = list(admin.jobs.list_runs(job_id=16, expand_tasks=True))
    assert len(big[0].tasks) == 105

    with pytest.raises(sdk_errors.InvalidParameterValue, match="active_only and completed_only"):
        ids(active_only=True, completed_only=True)


# -- runs/get and runs/get-output ------------------------------------------------------------------------------------


def test_runs_get_and_run_page_urls(ws, admin):
    run = admin.jobs.get_run(run_id=105)
    assert run.state.life_cycle_state == RunLifeCycleState.RUNNING
    assert run.end_time == 0
    base = f"{ws.base_url}/?o={HOME_WORKSPACE_ID}#job/11/run"
    assert run.run_page_url == f"{base}/105"
    assert [t.run_page_url for t in run.tasks] == [f"{base}/1051", f"{base}/1052"]
    assert run.job_parameters[0].value == "prod"

    listed = admin.api_client.do("GET", "/api/2.2/jobs/runs/list", query={"job_id": 11, "expand_tasks": "true"})
    assert all(r["run_page_url"] == f"{base}/{r['run_id']}" for r in listed["runs"])

    raw = admin.api_client.do("GET", "/api/2.2/jobs/runs/get", query={"run_id": 109})
    assert len(raw["tasks"]) == 100 and raw["next_page_token"]
    assert [t.run_id for t in admin.jobs.get_run(run_id=109).tasks] == list(range(20000, 20105))

    task_run = admin.jobs.get_run(run_id=1052)
    assert task_run.job_id == 11 and task_run.job_run_id == 105
    assert [t.task_key for t in task_run.tasks] == ["t1"]


def test_runs_get_output(ws, admin):
    output = admin.jobs.get_run_output(run_id=1011)
    assert output.notebook_output.result == "output of 1011"
    assert output.metadata.job_id == 11 and output.metadata.run_id == 1011
    assert output.metadata.run_page_url == f"{ws.base_url}/?o={HOME_WORKSPACE_ID}#job/11/run/1011"

    failed = admin.jobs.get_run_output(run_id=1021)
    assert failed.error.startswith("ZeroDivisionError")

    # A single-task job run answers with its task's output; a multi-task one needs a task run id.
    assert admin.jobs.get_run_output(run_id=103).notebook_output.result == "output of 1031"
    with pytest.raises(sdk_errors.InvalidParameterValue, match="each individual task run") as exc:
        admin.jobs.get_run_output(run_id=101)
    assert not isinstance(exc.value, sdk_errors.ResourceDoesNotExist)


# -- validation ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, query",
    [
        ("/api/2.2/jobs/list", {"page_token": "not-a-token!"}),
        ("/api/2.2/jobs/list", {"page_token": base64.urlsafe_b64encode(b"v1.jobs.n.1.x").decode()}),
        ("/api/2.2/jobs/runs/list", {"page_token": "bm9wZQ"}),
        ("/api/2.2/jobs/list", {"limit": 0}),
        ("/api/2.2/jobs/list", {"limit": 101}),
        ("/api/2.2/jobs/list", {"limit": "ten"}),
        ("/api/2.2/jobs/runs/list", {"limit": 26}),
        ("/api/2.2/jobs/runs/list", {"limit": -1}),
        ("/api/2.2/jobs/runs/list", {"job_id": "abc"}),
        ("/api/2.2/jobs/runs/list", {"start_time_from": "yesterday"}),
        ("/api/2.2/jobs/runs/list", {"run_type": "NIGHTLY"}),
        ("/api/2.2/jobs/runs/list", {"active_only": "yes"}),
        ("/api/2.2/jobs/get", {"job_id": -5}),
        ("/api/2.2/jobs/get", {"job_id": "eleven"}),
        ("/api/2.2/jobs/get", {}),
        ("/api/2.2/jobs/runs/get", {"run_id": "1e3"}),
        ("/api/2.2/jobs/runs/get-output", {"run_id": -1}),
        ("/api/2.2/jobs/get", {"job_id": 16, "page_token": "garbage"}),
    ],
)
def test_bad_parameters_are_invalid_parameter_value(admin, path, query):
    with pytest.raises(sdk_errors.InvalidParameterValue) as exc:
        admin.api_client.do("GET", path, query=query)
    assert isinstance(exc.value, sdk_errors.BadRequest)
    assert not isinstance(exc.value, sdk_errors.ResourceDoesNotExist)


def test_malformed_page_token_and_bad_limit_through_the_sdk(admin):
    with pytest.raises(sdk_errors.BadRequest, match="Invalid page token"):
        next(admin.jobs.list_runs(page_token="%%%"))
    with pytest.raises(sdk_errors.InvalidParameterValue, match="limit"):
        next(admin.jobs.list(limit=500))
    # runs/list documents limit 0 as "the maximum"; unknown parameters are ignored.
    page = admin.api_client.do("GET", "/api/2.2/jobs/runs/list", query={"limit": 0, "colour": "blue"})
    assert len(page["runs"]) == len(RUNS)


def test_api_2_1_paths_answer_too(admin):
    jobs = [j["job_id"] for p in raw_pages(admin, "/api/2.1/jobs/list", {"limit": 3}) for j in p["jobs"]]
    assert jobs == expected_job_order(JOBS)
    assert admin.api_client.do("GET", "/api/2.1/jobs/runs/get", query={"run_id": 101})["run_id"] == 101
    with pytest.raises(sdk_errors.NotFound):
        admin.api_client.do("GET", "/api/2.2/jobs/nonsense")


# -- identity and visibility -----------------------------------------------------------------------------------------


def test_analyst_sees_only_jobs_on_their_acl(analyst):
    visible = analyst_jobs()
    assert [j.job_id for j in analyst.jobs.list(limit=1)] == expected_job_order(visible)
    runs = [r.run_id for r in analyst.jobs.list_runs(limit=1)]
    assert runs == expected_run_order(r for r, v in RUNS.items() if v[0] in visible)
    assert list(analyst.jobs.list_runs(job_id=12)) == []

    assert analyst.jobs.get(job_id=13).settings.name == "Reports"
    assert analyst.jobs.get_run(run_id=110).job_id == 13
    assert analyst.jobs.get_run_output(run_id=1011).notebook_output.result == "output of 1011"

    with pytest.raises(sdk_errors.PermissionDenied) as exc:
        analyst.jobs.get(job_id=12)
    # The SDK appends its configuration to the message of 401 and 403 errors.
    assert str(exc.value).startswith("User analyst@example.com does not have View permissions on Job with id 12. ")
    with pytest.raises(sdk_errors.PermissionDenied, match="Job with id 12"):
        analyst.jobs.get_run(run_id=111)
    with pytest.raises(sdk_errors.PermissionDenied, match="Job with id 12"):
        analyst.jobs.get_run_output(run_id=1111)
    # Not existing wins over not being allowed to see it.
    with pytest.raises(sdk_errors.ResourceDoesNotExist):
        analyst.jobs.get(job_id=4242)


def test_bad_token_is_unauthenticated(ws):
    w = client(ws, "not-a-token")
    with pytest.raises(sdk_errors.Unauthenticated):
        w.jobs.get(job_id=11)
    with pytest.raises(sdk_errors.Unauthenticated):
        next(w.jobs.list_runs())
    response = httpx.get(f"{ws.base_url}/api/2.2/jobs/list")
    assert response.status_code == 401 and response.json()["error_code"] == "UNAUTHENTICATED"


def test_scim_me_names_each_caller(ws, admin, analyst):
    assert admin.current_user.me().user_name == "admin@example.com"
    assert analyst.current_user.me().user_name == ANALYST
    sp = WorkspaceClient(config=Config(host=ws.base_url, client_id="local-sp", client_secret="local-sp-secret"))
    assert sp.current_user.me().user_name == "local-sp"


def test_m2m_service_principal_sees_everything(ws, monkeypatch):
    for name in ("DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_AUTH_TYPE"):
        monkeypatch.delenv(name, raising=False)
    sp = WorkspaceClient(
        config=Config(host=ws.base_url, client_id="local-sp", client_secret="local-sp-secret", retry_timeout_seconds=3)
    )
    assert sp.config.auth_type == "oauth-m2m"
    assert [j.job_id for j in sp.jobs.list(limit=5)] == expected_job_order(JOBS)
    assert sp.jobs.get(job_id=12).job_id == 12

    monkeypatch.setenv("DATABRICKS_HOST", ws.base_url)
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", "local-sp")
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "local-sp-secret")
    from_env = WorkspaceClient()
    assert len(list(from_env.jobs.list_runs(limit=25))) == len(RUNS)


def test_m2m_wrong_secret_fails(ws):
    # The SDK 0.162 turns the token endpoint's 401 into a ValueError carrying the OAuth error.
    with pytest.raises(ValueError, match="invalid_client"):
        w = WorkspaceClient(
            config=Config(host=ws.base_url, client_id="local-sp", client_secret="wrong", retry_timeout_seconds=3)
        )
        w.jobs.get(job_id=11)


# -- faults ----------------------------------------------------------------------------------------------------------


def test_429_fault_is_retried_then_times_out(ws):
    ws.faults.update({"jobs_api_429_rate": 1})
    response = httpx.get(f"{ws.base_url}/api/2.2/jobs/list", headers={"Authorization": "Bearer local-admin"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"

    w = client(ws, retry_timeout=2)
    before = ws.faults.injected()
    with pytest.raises(TimeoutError) as exc:
        w.jobs.get(job_id=11)
    assert isinstance(exc.value.__cause__, sdk_errors.TooManyRequests)
    # The SDK read the answer as "retry after 1 s" until its budget ran out: it waits at least that long between
    # tries, so a 2 s budget holds one or two (the SDK adds up to 1 s of jitter), never more.
    assert 1 <= (ws.faults.injected() - before)["jobs_api_429"] <= 2

    ws.faults.update({"jobs_api_429_rate": 0})
    assert w.jobs.get(job_id=11).job_id == 11


def test_429_fault_lifted_while_the_sdk_retries(ws):
    ws.faults.update({"jobs_api_429_rate": 1})
    lift = threading.Timer(1.2, lambda: ws.faults.update({"jobs_api_429_rate": 0}))
    lift.start()
    before = ws.faults.injected()
    try:
        assert client(ws, retry_timeout=15).jobs.get(job_id=11).job_id == 11
    finally:
        lift.cancel()
    # Refused at least once, then answered: the SDK came back after the 429.
    assert (ws.faults.injected() - before)["jobs_api_429"] >= 1


def test_500_fault_surfaces_without_retries(ws):
    ws.faults.update({"jobs_api_500_rate": 1})
    w = client(ws, retry_timeout=10)
    before = ws.faults.injected()
    with pytest.raises(sdk_errors.InternalError) as exc:
        w.jobs.get_run(run_id=101)
    assert exc.value.error_code == "INTERNAL_ERROR"
    assert ws.faults.injected() - before == {"jobs_api_500": 1}  # one try: not retried
    ws.faults.update({"jobs_api_500_rate": 0})
    assert w.jobs.get_run(run_id=101).run_id == 101


def test_latency_fault(ws, admin):
    admin.jobs.get(job_id=11)
    ws.faults.update({"jobs_api_latency_ms": 400})
    before = ws.faults.injected()
    assert admin.jobs.get(job_id=11).job_id == 11
    assert ws.faults.injected() - before == {"jobs_api_latency_ms": 400}
    ws.faults.update({"jobs_api_latency_ms": 0})
    before = ws.faults.injected()
    assert admin.jobs.get(job_id=11).job_id == 11
    assert ws.faults.injected() == before


# -- against the generator's workspace -------------------------------------------------------------------------------


def _generator_problem() -> str | None:
    if importlib.util.find_spec("gql_monitor.local_workspace.generator") is None:
        return "gql_monitor/local_workspace/generator.py does not exist yet"
    from gql_monitor.local_workspace import generator

    if not callable(getattr(generator, "generate", None)):
        return "gql_monitor.local_workspace.generator has no generate() yet"
    return None


def test_sdk_against_a_generated_workspace():
    problem = _generator_problem()
    if problem:
        pytest.skip(f"the generator is not ready: {problem}")
    now = datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)
    with LocalWorkspace(scale="small", seed=7, now=now) as generated:
        stored = generated.state.cursor().execute("SELECT count(*) FROM workspace_state.runs").fetchone()[0]
        w = client(generated)
        raw = [
            r
            for p in raw_pages(w, "/api/2.2/jobs/runs/list", {"limit": 25, "expand_tasks": "true"}, max_pages=10_000)
            for r in p.get("runs", [])
        ]
        assert raw, "the generated workspace has no runs"
        assert len(raw) == len({r["run_id"] for r in raw}) == stored
        keys = [(r.get("start_time", 0), r["run_id"]) for r in raw]
        assert keys == sorted(keys, reverse=True)

        # The SDK's enums turn values they do not know into None, so None here means a value the SDK cannot read.
        for item in raw:
            run = Run.from_dict(item)
            assert run.state is not None and run.state.life_cycle_state is not None, (
                f"run {item['run_id']}: life_cycle_state {item.get('state', {}).get('life_cycle_state')!r} "
                "is not one the SDK knows"
            )
            assert run.run_page_url == (
                f"{generated.base_url}/?o={generated.state.home_workspace_id}#job/{run.job_id}/run/{run.run_id}"
            )
            for task in run.tasks or []:
                assert task.state is None or task.state.life_cycle_state is not None, (
                    f"task run {task.run_id} of run {run.run_id} has an unknown life_cycle_state"
                )

        head = [r.run_id for r in itertools.islice(w.jobs.list_runs(limit=25), 60)]
        assert head == [r["run_id"] for r in raw[:60]]
        assert w.jobs.get_run(run_id=head[0]).run_id == head[0]

        acl = {
            job_id
            for (job_id,) in generated.state.cursor()
            .execute("SELECT job_id FROM workspace_state.job_acl WHERE lower(user_name) = ?", [ANALYST])
            .fetchall()
        }
        analyst_runs = list(client(generated, "local-analyst").jobs.list_runs(limit=25))
        assert {r.job_id for r in analyst_runs} <= acl
        assert len(analyst_runs) == sum(1 for r in raw if r["job_id"] in acl)


def test_task_runs_a_repair_replaced_still_answer_get_and_get_output():
    """runs/get shows a repaired run's latest task runs; the replaced ones keep their ids, output and error."""
    now = datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)
    with LocalWorkspace(scale="small", seed=7, now=now) as generated:
        cur = generated.state.cursor()
        (run_id,) = cur.execute("""SELECT run_id FROM workspace_state.runs
                                   WHERE json_array_length(run -> '$.repair_history') > 1
                                   ORDER BY run_id LIMIT 1""").fetchone()
        w = client(generated)
        run = w.api_client.do("GET", "/api/2.2/jobs/runs/get", query={"run_id": run_id})
        listed = {t["run_id"] for t in run["tasks"]}
        original = run["repair_history"][0]["task_run_ids"]
        replaced = [t for t in original if t not in listed]
        assert replaced, "the repair should have re-run a task of the original attempt"
        for task_run_id in replaced:
            task = w.api_client.do("GET", "/api/2.2/jobs/runs/get", query={"run_id": task_run_id})
            assert task["run_id"] == task_run_id and task["job_run_id"] == run_id
            assert [t["run_id"] for t in task["tasks"]] == [task_run_id]
            output = w.api_client.do("GET", "/api/2.2/jobs/runs/get-output", query={"run_id": task_run_id})
            assert output["metadata"]["run_id"] == task_run_id
            stored = cur.execute("SELECT output FROM workspace_state.run_outputs WHERE run_id = ?",
                                 [task_run_id]).fetchone()
            if stored is not None:
                assert output["error"] == json.loads(stored[0])["error"]
        failed = [t for t in replaced
                  if cur.execute("SELECT 1 FROM workspace_state.run_outputs WHERE run_id = ?", [t]).fetchone()]
        assert failed, "the original attempt's failed task run should have an error output"
