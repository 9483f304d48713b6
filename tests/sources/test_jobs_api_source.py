"""`gql_monitor.sources.jobs_api.JobsApi` driven directly: the real databricks-sdk against the stand-in.

Calls are counted by the stand-in (`counted_workspace`), so "one page per call" and "retried, then given up" are
what reached the wire, not what the product says it did.
"""

from __future__ import annotations

import asyncio

import pytest

from gql_monitor.errors import BadUserInput, Forbidden, JobsApiUnavailable, RateLimited
from gql_monitor.principal import APP
from gql_monitor.services import Services
from gql_monitor.sources.cache import AnswerCache
from gql_monitor.sources.credentials import app_config
from gql_monitor.sources.jobs_api import JobsApi, JobsApiRequestRefused
from conftest import NOW, monitor_settings
from source_stand_in import ADMIN, ANALYST, counted_workspace, query_db, traffic  # noqa: F401 - fixtures

RUNS_LIST = "/api/2.2/jobs/runs/list"
JOBS_LIST = "/api/2.2/jobs/list"
RUNS_GET = "/api/2.2/jobs/runs/get"
UNKNOWN_ID = 987_654_321_012


def _jobs_api(ws, cache=None, **overrides) -> JobsApi:
    settings = monitor_settings(ws, **overrides)
    return JobsApi(settings, app_config(settings), cache=cache, ttl_seconds=60)


@pytest.fixture
def jobs_api(counted_workspace, traffic):
    api = _jobs_api(counted_workspace)
    yield api
    api.close()


@pytest.fixture(scope="module")
def ids(counted_workspace):
    ws = counted_workspace
    analyst_jobs = {j for (j,) in query_db(ws, "SELECT job_id FROM workspace_state.job_acl WHERE user_name = ?",
                                           ["analyst@example.com"])}
    all_jobs = {j for (j,) in query_db(ws, "SELECT job_id FROM workspace_state.jobs")}
    [(multi_task_run,)] = query_db(ws, "SELECT run_id FROM workspace_state.runs "
                                       "WHERE json_array_length(run->'tasks') > 1 ORDER BY run_id LIMIT 1")
    [(failed_task_run,)] = query_db(ws, "SELECT run_id FROM workspace_state.run_outputs "
                                        "WHERE output->>'error' IS NOT NULL ORDER BY run_id LIMIT 1")
    [(some_run,), (other_run,)] = query_db(ws, "SELECT run_id FROM workspace_state.runs ORDER BY run_id LIMIT 2")
    return {
        "analyst_jobs": analyst_jobs,
        "analyst_job": min(analyst_jobs),
        "other_job": min(all_jobs - analyst_jobs),
        "multi_task_run": multi_task_run,
        "failed_task_run": failed_task_run,
        "run": some_run,
        "other_run": other_run,
    }


async def test_runs_list_is_one_page_per_call(jobs_api, traffic):
    first = await jobs_api.list_runs_page(ADMIN, limit=5)
    assert traffic.calls[RUNS_LIST] == 1
    assert len(first["runs"]) == 5 and first.get("next_page_token")

    second = await jobs_api.list_runs_page(ADMIN, limit=5, page_token=first["next_page_token"])
    assert traffic.calls[RUNS_LIST] == 2
    assert len(second["runs"]) == 5
    assert not {r["run_id"] for r in first["runs"]} & {r["run_id"] for r in second["runs"]}

    # The page size is capped at the API's maximum, still in one call.
    capped = await jobs_api.list_runs_page(ADMIN, limit=1000)
    assert traffic.calls[RUNS_LIST] == 3
    assert len(capped["runs"]) == 25


async def test_jobs_list_is_one_page_per_call(jobs_api, traffic):
    page = await jobs_api.list_jobs_page(ADMIN, limit=3)
    assert traffic.calls[JOBS_LIST] == 1
    assert len(page["jobs"]) == 3 and page.get("next_page_token")


async def test_unknown_ids_are_none(jobs_api, traffic):
    assert await jobs_api.get_run(UNKNOWN_ID, ADMIN) is None
    assert await jobs_api.get_run_output(UNKNOWN_ID, ADMIN) is None
    assert await jobs_api.get_job(UNKNOWN_ID, ADMIN) is None


async def test_known_ids_answer(jobs_api, ids):
    assert (await jobs_api.get_run(ids["run"], ADMIN))["run_id"] == ids["run"]
    assert (await jobs_api.get_run_output(ids["failed_task_run"], ADMIN))["error"]


async def test_multi_task_run_output_is_a_clear_internal_error(jobs_api, ids):
    # The Jobs API gives output per task run only; the product asks with task run ids (TaskRun.errorMessage), so
    # being asked for a job run's output is a bug of ours: INTERNAL, with a message saying what happened.
    with pytest.raises(JobsApiRequestRefused) as err:
        await jobs_api.get_run_output(ids["multi_task_run"], ADMIN)
    assert err.value.code == "INTERNAL"
    assert str(ids["multi_task_run"]) in str(err.value) and "each task run" in str(err.value)


async def test_a_forged_page_token_is_bad_user_input(jobs_api, traffic):
    # activeRuns cursors carry the API's page token, and callers can edit cursors.
    with pytest.raises(BadUserInput):
        await jobs_api.list_runs_page(ADMIN, active_only=True, page_token="not-a-token")


async def test_429_is_rate_limited_after_the_retry_budget(counted_workspace, traffic):
    api = _jobs_api(counted_workspace, jobs_api_retry_seconds=2)
    counted_workspace.faults.update({"jobs_api_429_rate": 1.0})
    before = counted_workspace.faults.injected()
    try:
        with pytest.raises(RateLimited) as err:
            await api.list_jobs_page(ADMIN, limit=1)
    finally:
        api.close()
    assert err.value.code == "RATE_LIMITED"
    # Every try was refused, and the budget was kept: the SDK waits out Retry-After (1 s, plus up to 1 s of jitter)
    # between tries, so a 2 s budget holds two tries at most (whether the second fits depends on the jitter).
    refused = (counted_workspace.faults.injected() - before)["jobs_api_429"]
    assert traffic.calls[JOBS_LIST] == refused
    assert 1 <= refused <= 2


async def test_500_is_jobs_api_unavailable_without_retries(jobs_api, counted_workspace, traffic):
    counted_workspace.faults.update({"jobs_api_500_rate": 1.0})
    with pytest.raises(JobsApiUnavailable) as err:
        await jobs_api.get_run(1, ADMIN)
    assert err.value.code == "JOBS_API_UNAVAILABLE"
    assert traffic.calls[RUNS_GET] == 1


async def test_analyst_is_forbidden_outside_their_acl(jobs_api, ids):
    with pytest.raises(Forbidden) as err:
        await jobs_api.get_job(ids["other_job"], ANALYST)
    assert "analyst@example.com" in str(err.value)
    # The SDK's configuration dump (host, account id, ...) stays out of what the caller is shown.
    assert "Config:" not in str(err.value) and "account_id" not in str(err.value)
    assert (await jobs_api.get_job(ids["analyst_job"], ANALYST))["job_id"] == ids["analyst_job"]
    # Lists hide what the analyst may not see rather than refusing.
    visible = await jobs_api.list_jobs_page(ANALYST, limit=100)
    assert {j["job_id"] for j in visible["jobs"]} == ids["analyst_jobs"]


async def test_cached_answers_are_never_shared_across_users(counted_workspace, traffic, ids):
    cache = AnswerCache()
    api = _jobs_api(counted_workspace, cache=cache)
    try:
        admin_job = await api.get_job(ids["other_job"], ADMIN)
        assert admin_job["job_id"] == ids["other_job"]
        # The admin's cached answer is not the analyst's: the analyst's own call is made, and refused.
        with pytest.raises(Forbidden):
            await api.get_job(ids["other_job"], ANALYST)
        assert traffic.calls["/api/2.2/jobs/get"] == 2
        # The same user asking again is answered from the cache.
        await api.get_job(ids["other_job"], ADMIN)
        assert traffic.calls["/api/2.2/jobs/get"] == 2
    finally:
        api.close()
        await cache.close()


async def test_calls_run_off_the_event_loop_and_concurrently(counted_workspace, traffic, ids):
    counted_workspace.faults.update({"jobs_api_latency_ms": 300})
    api = _jobs_api(counted_workspace, jobs_api_concurrency=4)
    try:
        first, second = await asyncio.gather(api.get_run(ids["run"], ADMIN), api.get_run(ids["other_run"], ADMIN))
    finally:
        api.close()
    assert first is not None and second is not None
    assert traffic.peak[RUNS_GET] == 2, dict(traffic.peak)


async def test_m2m_app_credentials_reach_both_sources(counted_workspace, traffic):
    ws = counted_workspace
    services = Services.build(monitor_settings(ws, client_id="local-sp", client_secret="local-sp-secret"))
    before = len(ws.state.statements)
    try:
        page = await services.jobs_api.list_jobs_page(APP, limit=100)
        rows = await services.warehouse.fetch("data_freshness", {"since": NOW}, APP)
    finally:
        services.close()
    # The service principal has the admin's reach: every job, and the system tables.
    assert len(page["jobs"]) == min(100, len(query_db(ws, "SELECT job_id FROM workspace_state.jobs")))
    assert rows and [s.user_name for s in list(ws.state.statements)[before:]] == ["local-sp"]
    assert traffic.calls["/oidc/v1/token"] >= 1


async def test_refused_app_credentials_say_so(counted_workspace, traffic):
    api = _jobs_api(counted_workspace, client_secret="not-the-secret")
    try:
        with pytest.raises(JobsApiUnavailable) as err:
            await api.list_jobs_page(APP, limit=1)
    finally:
        api.close()
    assert "app's credentials" in str(err.value) and "invalid_client" in str(err.value)
