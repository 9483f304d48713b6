"""Caching (warm answers, single flight, bounded memory, explicit keys) and the API's limits."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest import RunningMonitor, gql, monitor_settings
from gql_monitor.sources.cache import AnswerCache, cache_key

FRESHNESS = "{ dataFreshness { latestRunPeriodEndTime } }"


def codes(body) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or []}


def test_a_warm_answer_sends_no_statement(workspace):
    with RunningMonitor(monitor_settings(workspace)) as mon, mon.client() as client:
        cold = gql(client, "{ jobs(first: 3) { nodes { name cost { dbus } } } }")["extensions"]["cost"]
        warm = gql(client, "{ jobs(first: 3) { nodes { name cost { dbus } } } }")["extensions"]["cost"]
    assert cold["warehouseStatements"] == 2 and cold["cacheHits"] == 0
    # The whole response is reused: one hit, nothing executed.
    assert warm["warehouseStatements"] == 0 and warm["cacheHits"] == 1


def test_cached_answers_serve_a_new_question_over_the_same_data(workspace):
    with RunningMonitor(monitor_settings(workspace)) as mon, mon.client() as client:
        gql(client, "{ jobs(first: 3) { nodes { name cost { dbus } } } }")
        other = gql(client, "{ jobs(first: 3) { nodes { id cost { listCost { amount } } } } }")["extensions"]["cost"]
    assert other["warehouseStatements"] == 0 and other["cacheHits"] == 2


def test_caches_with_a_zero_lifetime_keep_nothing(uncached_monitor, workspace):
    # `*_CACHE_SECONDS=0` turns a cache off; it must not mean "keep forever" (how a store may read ttl=0).
    question = """{ jobs(first: 5, filter: {workspaceId: "%s"}) { nodes { lastRun { live { lifeCycleState } } } } }"""
    with uncached_monitor.client() as client:
        first, second = (gql(client, question % workspace.state.home_workspace_id)["extensions"]["cost"]
                         for _ in range(2))
    assert first["jobsApiCalls"] > 0 and first["warehouseStatements"] > 0
    assert (second["jobsApiCalls"], second["warehouseStatements"], second["cacheHits"]) == (
        first["jobsApiCalls"], first["warehouseStatements"], 0)


def test_concurrent_misses_for_one_question_make_one_statement(workspace):
    with RunningMonitor(monitor_settings(workspace)) as mon:
        # /api/health's first check (the same question, asked as the app) is done before counting.
        assert httpx.get(mon.base_url + "/api/health", timeout=60).status_code == 200
        before = sum(1 for s in workspace.state.statements if "latest_usage_end_time" in s.statement)

        def ask(_):
            with mon.client() as client:
                return gql(client, FRESHNESS)["data"]["dataFreshness"]["latestRunPeriodEndTime"]

        with ThreadPoolExecutor(10) as pool:
            answers = set(pool.map(ask, range(10)))
        after = sum(1 for s in workspace.state.statements if "latest_usage_end_time" in s.statement)
    assert len(answers) == 1 and answers.pop() is not None
    assert after - before == 1


def test_cache_keys_are_built_from_plain_values_and_separate_partitions():
    assert cache_key("user:a", "jobs", {"x": 1}) != cache_key("user:b", "jobs", {"x": 1})
    assert cache_key("app", "jobs", {"x": 1, "y": [1, 2]}) == cache_key("app", "jobs", {"y": [1, 2], "x": 1})
    with pytest.raises(TypeError):
        cache_key("app", "jobs", {"x": object()})


def test_the_memory_cache_is_bounded_and_failures_are_not_cached():
    async def scenario():
        cache = AnswerCache(max_entries=3)
        calls = []

        async def compute(i):
            calls.append(i)
            return i

        for i in range(5):
            await cache.get_or_compute(f"k{i}", 60, lambda i=i: compute(i))
        assert len(cache) == 3
        await cache.get_or_compute("k0", 60, lambda: compute(0))  # evicted: computed again
        await cache.get_or_compute("k4", 60, lambda: compute(4))  # kept: not computed
        assert calls == [0, 1, 2, 3, 4, 0]

        async def boom():
            raise RuntimeError("x")

        for _ in range(2):
            with pytest.raises(RuntimeError):
                await cache.get_or_compute("bad", 60, boom)
        value = await cache.get_or_compute("bad", 60, lambda: compute(9))
        assert value == 9
        await cache.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("query", [
    "{ jobs(first: 1) { nodes { " + "lastRun { job { " * 8 + "name" + " } }" * 8 + " } } }",
    "{ " + " ".join(f"a{i}: viewer {{ userName }}" for i in range(40)) + " }",
    "{ viewer { " + " ".join("userName" for _ in range(6000)) + " } }",
    "{ jobs(first: 100) { nodes { runs(first: 100) { nodes { tasks { cost { dbus } } } } } } }",
])
def test_limits_refuse_with_query_too_complex(monitor, query):
    with monitor.client() as client:
        response = client.post("/api/graphql", json={"query": query})
    body = response.json()
    assert codes(body) == {"QUERY_TOO_COMPLEX"}, body
    assert body.get("data") is None


def test_introspection_can_be_turned_off(workspace):
    query = "{ __schema { types { name } } }"
    with RunningMonitor(monitor_settings(workspace, introspection=False)) as mon, mon.client() as client:
        body = client.post("/api/graphql", json={"query": query}).json()
        assert codes(body) == {"BAD_USER_INPUT"}
        assert client.get("/api/graphql", headers={"Accept": "text/html"}).status_code != 200 or \
            "graphiql" not in client.get("/api/graphql", headers={"Accept": "text/html"}).text.lower()
    with RunningMonitor(monitor_settings(workspace)) as mon, mon.client() as client:
        assert gql(client, query)["data"]["__schema"]["types"]


def test_internal_errors_are_masked(monitor):
    from gql_monitor.graphql.extensions import format_error
    from graphql import GraphQLError

    error = format_error(GraphQLError("boom", original_error=RuntimeError("password=secret")))
    assert error.message == "Internal error; it has been logged." and error.extensions["code"] == "INTERNAL"
