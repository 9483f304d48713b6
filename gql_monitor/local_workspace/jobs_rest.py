"""The Jobs API of the stand-in (2.2, and 2.1 for older clients), served from the `workspace_state` tables.

What the real service does and clients rely on is reproduced on purpose: the exact error shapes the SDK turns into
typed exceptions (`Job 1 does not exist.` → ResourceDoesNotExist), opaque page tokens that survive new runs arriving,
lists that silently hide what the caller may not view, and 2.2's cap of 100 elements per array with a
`next_page_token` on jobs/get and runs/get.
"""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any, Callable, Mapping

import duckdb
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gql_monitor.local_workspace.auth_routes import authenticate, databricks_error, unauthenticated
from gql_monitor.local_workspace.identities import Identity
from gql_monitor.local_workspace.jobs_rest_paging import (
    ApiError,
    ArrayPageToken,
    KeysetQuery,
    bool_param,
    fetch_page,
    int_param,
    invalid,
    limit_param,
    page_token_param,
    paginate_arrays,
    required_id,
    truncate_arrays,
)
from gql_monitor.local_workspace.state import WorkspaceState

API_VERSIONS = ("2.1", "2.2")
JOB_ARRAYS = ("tasks", "job_clusters", "parameters", "environments")
RUN_ARRAYS = ("tasks", "job_clusters", "job_parameters", "repair_history")
RUN_TYPES = ("JOB_RUN", "WORKFLOW_RUN", "SUBMIT_RUN")
# Dropped from stored JSON and recomputed: they describe one response (which page, what was cut), not the object.
RESPONSE_ONLY_FIELDS = ("has_more", "next_page_token", "prev_page_token")


class _Ctx:
    """What every handler needs: the caller, a cursor, and the workspace's URL facts."""

    def __init__(self, state: WorkspaceState, who: Identity, version: str) -> None:
        self.state = state
        self.who = who
        self.version = version
        self.cur = state.cursor()

    @property
    def paged_arrays(self) -> bool:
        return self.version == "2.2"

    def visible_condition(self, column: str = "job_id") -> tuple[str, list[Any]]:
        """SQL true for the jobs the caller may view, and its parameters.

        An admin sees every job; anyone else a job they own (its IS_OWNER grant, else its creator when no one holds
        one), a job whose ACL names them, and a job granted at any level to them or to one of their groups.
        """
        if self.who.is_admin:
            return "TRUE", []
        return (
            f"""{column} IN (
                SELECT job_id FROM workspace_state.job_acl WHERE lower(user_name) = lower(?)
                UNION ALL
                SELECT job_id FROM workspace_state.job_grants
                WHERE (principal_kind IN ('user', 'service_principal') AND lower(principal_name) = lower(?))
                   OR (principal_kind = 'group' AND list_contains(CAST(? AS VARCHAR[]), principal_name))
                UNION ALL
                SELECT j.job_id FROM workspace_state.jobs j
                WHERE lower(j.creator_user_name) = lower(?) AND NOT EXISTS (
                    SELECT 1 FROM workspace_state.job_grants o
                    WHERE o.job_id = j.job_id AND o.permission_level = 'IS_OWNER'))""",
            [self.who.user_name, self.who.user_name, list(self.who.groups), self.who.user_name],
        )

    def can_view(self, job_id: int | None) -> bool:
        if self.who.is_admin:
            return True
        if job_id is None:
            return False
        visible, params = self.visible_condition("asked.job_id")
        row = self.cur.execute(
            f"SELECT 1 FROM (SELECT CAST(? AS BIGINT) AS job_id) AS asked WHERE {visible}", [job_id, *params]
        ).fetchone()
        return row is not None

    def require_view(self, job_id: int | None) -> None:
        if not self.can_view(job_id):
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                f"User {self.who.user_name} does not have View permissions on Job with id {job_id}.",
            )

    def run_page_url(self, job_id: Any, run_id: Any) -> str:
        return f"{self.state.base_url}/?o={self.state.home_workspace_id}#job/{job_id}/run/{run_id}"


def _loads(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _drop_none(d: dict) -> dict:
    # The service leaves out fields it has no value for rather than sending nulls.
    return {k: v for k, v in d.items() if v is not None}


# -- jobs ------------------------------------------------------------------------------------------------------------

_JOB_COLUMNS = "job_id, creator_user_name, run_as_user_name, created_time, settings"


def _job_json(row: tuple) -> dict:
    job_id, creator, run_as, created_time, settings = row[:5]
    settings = _loads(settings) or {}
    for key in RESPONSE_ONLY_FIELDS:
        settings.pop(key, None)
    return _drop_none(
        {
            "job_id": job_id,
            "creator_user_name": creator,
            "run_as_user_name": run_as,
            "created_time": created_time,
            "settings": settings,
        }
    )


def list_jobs(ctx: _Ctx, params: Mapping[str, str]) -> dict:
    limit = limit_param(params, default=20, maximum=100, zero_means_max=False)
    offset = int_param(params, "offset")
    token = page_token_param(params, "jobs")
    expand = bool_param(params, "expand_tasks")
    name = params.get("name") or None

    visible, where_params = ctx.visible_condition()
    where, qparams = [visible], list(where_params)
    if name is not None:
        where.append("lower(json_extract_string(settings, '$.name')) = lower(?)")
        qparams.append(name)
    query = KeysetQuery(
        kind="jobs",
        columns=_JOB_COLUMNS,
        source="workspace_state.jobs",
        k1="coalesce(created_time, 0)",
        k2="job_id",
        where=where,
        params=qparams,
    )
    page = fetch_page(ctx.cur, query, limit=limit, token=token, offset=offset)
    jobs = []
    for row in page.rows:
        job = _job_json(row)
        settings = job["settings"]
        if expand:
            job["has_more"] = truncate_arrays(settings, JOB_ARRAYS) if ctx.paged_arrays else False
        else:
            settings.pop("tasks", None)
            settings.pop("job_clusters", None)
        jobs.append(job)
    return _list_body("jobs", jobs, page)


def get_job(ctx: _Ctx, params: Mapping[str, str]) -> dict:
    job_id = required_id(params, "job_id")
    row = ctx.cur.execute(f"SELECT {_JOB_COLUMNS} FROM workspace_state.jobs WHERE job_id = ?", [job_id]).fetchone()
    if row is None:
        raise invalid(f"Job {job_id} does not exist.")
    ctx.require_view(job_id)
    job = _job_json(row)
    if ctx.paged_arrays:
        page = _array_page(params, "jobget", job_id)
        next_token = paginate_arrays(job["settings"], JOB_ARRAYS, page, "jobget", job_id)
        if next_token:
            job["next_page_token"] = next_token
    return job


def _array_page(params: Mapping[str, str], kind: str, object_id: int) -> int:
    raw = params.get("page_token") or None
    return 0 if raw is None else ArrayPageToken.decode(raw, kind, object_id).page


# -- runs ------------------------------------------------------------------------------------------------------------


def _prepare_run(ctx: _Ctx, run: dict) -> dict:
    """A stored run as the API shows it: links pointing at this stand-in, response-only fields cleared."""
    for key in RESPONSE_ONLY_FIELDS:
        run.pop(key, None)
    job_id = run.get("job_id")
    if run.get("run_id") is not None:
        run["run_page_url"] = ctx.run_page_url(job_id, run["run_id"])
    for task in run.get("tasks") or []:
        if isinstance(task, dict) and task.get("run_id") is not None:
            task["run_page_url"] = ctx.run_page_url(job_id, task["run_id"])
    return run


def list_runs(ctx: _Ctx, params: Mapping[str, str]) -> dict:
    active_only = bool_param(params, "active_only")
    completed_only = bool_param(params, "completed_only")
    if active_only and completed_only:
        raise invalid("Invalid parameters: active_only and completed_only cannot both be true.")
    job_id = int_param(params, "job_id")
    start_from = int_param(params, "start_time_from")
    start_to = int_param(params, "start_time_to")
    run_type = params.get("run_type") or None
    if run_type is not None and run_type not in RUN_TYPES:
        raise invalid(f"Invalid value '{run_type}' for parameter run_type: expected one of {', '.join(RUN_TYPES)}.")
    expand = bool_param(params, "expand_tasks")
    limit = limit_param(params, default=20, maximum=25, zero_means_max=True)
    offset = int_param(params, "offset")
    token = page_token_param(params, "runs")

    visible, where_params = ctx.visible_condition()
    where, qparams = [visible], list(where_params)
    if job_id is not None:
        where.append("job_id = ?")
        qparams.append(job_id)
    if active_only:
        where.append("coalesce(active, false)")
    if completed_only:
        where.append("NOT coalesce(active, false)")
    # Both bounds are inclusive: the API documents "at or after" and "at or before".
    if start_from is not None:
        where.append("start_time >= ?")
        qparams.append(start_from)
    if start_to is not None:
        where.append("start_time <= ?")
        qparams.append(start_to)
    if run_type is not None:
        where.append("run_type = ?")
        qparams.append(run_type)
    query = KeysetQuery(
        kind="runs",
        columns="run",
        source="workspace_state.runs",
        k1="coalesce(start_time, 0)",
        k2="run_id",
        where=where,
        params=qparams,
    )
    page = fetch_page(ctx.cur, query, limit=limit, token=token, offset=offset)
    runs = []
    for row in page.rows:
        run = _prepare_run(ctx, _loads(row[0]) or {})
        if expand:
            run["has_more"] = truncate_arrays(run, RUN_ARRAYS) if ctx.paged_arrays else False
        else:
            run.pop("tasks", None)
            run.pop("job_clusters", None)
        runs.append(run)
    return _list_body("runs", runs, page)


def _list_body(key: str, items: list[dict], page) -> dict:
    # An empty list is left out entirely, as the service does; the SDK treats a missing key as no items.
    body: dict[str, Any] = {}
    if items:
        body[key] = items
    body["has_more"] = page.next_token is not None
    if page.next_token:
        body["next_page_token"] = page.next_token
    if page.prev_token:
        body["prev_page_token"] = page.prev_token
    return body


def _stored_run(cur: duckdb.DuckDBPyConnection, run_id: int) -> dict | None:
    row = cur.execute("SELECT run FROM workspace_state.runs WHERE run_id = ?", [run_id]).fetchone()
    return None if row is None else (_loads(row[0]) or {})


def _find_task_run(cur: duckdb.DuckDBPyConnection, task_run_id: int) -> tuple[dict, dict] | None:
    """The job run holding task run `task_run_id`, and that task.

    Task runs live inside their job run's JSON, or, when a repair re-ran them, in superseded_task_runs. A text
    search narrows the scan before any JSON is parsed, because this path is taken for every id that is not a job
    run (task runs, and ids that do not exist at all); the regex keeps short ids such as 1 from matching most rows.
    """
    superseded = cur.execute(
        "SELECT r.run, t.task FROM workspace_state.superseded_task_runs t "
        "JOIN workspace_state.runs r ON r.run_id = t.job_run_id WHERE t.run_id = ?",
        [task_run_id],
    ).fetchone()
    if superseded is not None:
        return _loads(superseded[0]) or {}, _loads(superseded[1]) or {}
    rows = cur.execute(
        "SELECT run FROM workspace_state.runs WHERE contains(CAST(run AS VARCHAR), ?) "
        "AND regexp_matches(CAST(run AS VARCHAR), ?)",
        [str(task_run_id), rf'"run_id"\s*:\s*{task_run_id}([^0-9]|$)'],
    ).fetchall()
    for (raw,) in rows:
        run = _loads(raw) or {}
        for task in run.get("tasks") or []:
            if isinstance(task, dict) and task.get("run_id") == task_run_id:
                return run, task
    return None


def _task_run_view(parent: dict, task: dict) -> dict:
    """A task run answered as a run of its own, the way runs/get shows a task run id: the job run's identity and
    trigger, the task's own state, timing and cluster, and the task as the only element of `tasks`."""
    inherited = (
        "job_id", "creator_user_name", "number_in_job", "run_name", "run_type", "trigger", "trigger_info",
        "job_parameters", "overriding_parameters", "schedule",
    )
    view = {key: copy.deepcopy(parent[key]) for key in inherited if key in parent}
    view["job_run_id"] = parent.get("run_id")
    own = (
        "run_id", "attempt_number", "state", "status", "start_time", "end_time", "setup_duration",
        "execution_duration", "cleanup_duration", "queue_duration", "run_duration", "cluster_instance",
        "cluster_spec", "description",
    )
    view.update({key: copy.deepcopy(task[key]) for key in own if key in task})
    view["tasks"] = [copy.deepcopy(task)]
    return view


def get_run(ctx: _Ctx, params: Mapping[str, str]) -> dict:
    run_id = required_id(params, "run_id")
    run = _stored_run(ctx.cur, run_id)
    if run is None:
        found = _find_task_run(ctx.cur, run_id)
        if found is None:
            raise invalid(f"Run {run_id} does not exist.")
        run = _task_run_view(*found)
    ctx.require_view(run.get("job_id"))
    run = _prepare_run(ctx, run)
    if ctx.paged_arrays:
        page = _array_page(params, "runget", run_id)
        next_token = paginate_arrays(run, RUN_ARRAYS, page, "runget", run_id)
        if next_token:
            run["next_page_token"] = next_token
    return run


MULTI_TASK_OUTPUT_MESSAGE = (
    "Retrieving the output of runs with multiple tasks is not supported. "
    "Please retrieve the output of each individual task run instead."
)


def get_run_output(ctx: _Ctx, params: Mapping[str, str]) -> dict:
    run_id = required_id(params, "run_id")
    cur = ctx.cur
    job_run = _stored_run(cur, run_id)
    if job_run is not None:
        ctx.require_view(job_run.get("job_id"))
        tasks = [t for t in job_run.get("tasks") or [] if isinstance(t, dict)]
        if len(tasks) > 1:
            raise invalid(MULTI_TASK_OUTPUT_MESSAGE)
        # A single-task job run answers with its one task's output, which is stored under the task run id.
        output_id = tasks[0].get("run_id", run_id) if tasks else run_id
        metadata = job_run
    else:
        found = _find_task_run(cur, run_id)
        if found is None:
            raise invalid(f"Run {run_id} does not exist.")
        ctx.require_view(found[0].get("job_id"))
        output_id = run_id
        metadata = _task_run_view(*found)

    row = cur.execute("SELECT output FROM workspace_state.run_outputs WHERE run_id = ?", [output_id]).fetchone()
    if row is None and output_id != run_id:
        row = cur.execute("SELECT output FROM workspace_state.run_outputs WHERE run_id = ?", [run_id]).fetchone()
    output = (_loads(row[0]) if row is not None else None) or {}
    stored_metadata = output.get("metadata")
    output["metadata"] = _prepare_run(ctx, stored_metadata if isinstance(stored_metadata, dict) else metadata)
    return output


# -- the HTTP layer --------------------------------------------------------------------------------------------------

ENDPOINTS: dict[str, Callable[[_Ctx, Mapping[str, str]], dict]] = {
    "jobs/list": list_jobs,
    "jobs/get": get_job,
    "jobs/runs/list": list_runs,
    "jobs/runs/get": get_run,
    "jobs/runs/get-output": get_run_output,
}


def _endpoint(state: WorkspaceState, version: str, handler: Callable[[_Ctx, Mapping[str, str]], dict]):
    def run(who: Identity, params: Mapping[str, str]) -> dict:
        return handler(_Ctx(state, who, version), params)

    async def endpoint(request: Request) -> JSONResponse:
        # Faults are read per request: tests and the fault switchboard change them while the server runs.
        faults = state.faults
        if faults.jobs_api_latency_ms > 0:
            delay_ms = faults.jobs_api_latency_ms
            await asyncio.sleep(delay_ms / 1000)
            faults.note("jobs_api_latency_ms", delay_ms)
        who = authenticate(state, request)
        if who is None:
            return unauthenticated()
        if faults.roll(faults.jobs_api_429_rate):
            response = databricks_error(
                429, "REQUEST_LIMIT_EXCEEDED", "Too many requests to the Jobs API. Please retry after a short wait."
            )
            response.headers["Retry-After"] = "1"
            faults.note("jobs_api_429")
            return response
        if faults.roll(faults.jobs_api_500_rate):
            faults.note("jobs_api_500")
            # Worded so that it matches none of the SDK's "transient" substrings: a 500 surfaces at once.
            return databricks_error(500, "INTERNAL_ERROR", "The Jobs service failed to process the request.")
        try:
            body = await run_in_threadpool(run, who, request.query_params)
        except ApiError as exc:
            return databricks_error(exc.status, exc.error_code, exc.message)
        except duckdb.Error as exc:
            return databricks_error(500, "INTERNAL_ERROR", f"The Jobs service failed to read its state: {exc}")
        return JSONResponse(body)

    return endpoint


def _unknown_endpoint(state: WorkspaceState):
    async def endpoint(request: Request) -> JSONResponse:
        if authenticate(state, request) is None:
            return unauthenticated()
        path = request.url.path.split("/", 3)[-1]
        return databricks_error(404, "ENDPOINT_NOT_FOUND", f"No API found for '{request.method} /{path}'")

    return endpoint


def routes(state: WorkspaceState) -> list[Route]:
    found: list[Route] = []
    for version in API_VERSIONS:
        for path, handler in ENDPOINTS.items():
            found.append(Route(f"/api/{version}/{path}", _endpoint(state, version, handler), methods=["GET"]))
    # Databricks answers unknown Jobs paths in its JSON error shape; Starlette's plain-text 404 would not parse.
    for version in API_VERSIONS:
        found.append(
            Route(
                f"/api/{version}/jobs/{{rest:path}}",
                _unknown_endpoint(state),
                methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            )
        )
    return found
