"""Who the caller is decides what they see: headers outside an App are ignored, tokens are checked, each user's
grants apply in OBO mode, and no cached answer crosses users."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest import RunningMonitor, gql, monitor_settings
from gql_monitor.local_workspace.identities import ANALYST

JOBS = "{ jobs(first: 5) { totalCount } }"


def codes(body) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or []}


def test_forwarded_headers_are_ignored_outside_an_app(monitor):
    spoof = {"X-Forwarded-Email": "admin@example.com", "X-Forwarded-Access-Token": "local-admin",
             "X-Forwarded-User": "admin"}
    with monitor.client(token="local-analyst", **spoof) as client:
        assert gql(client, "{ viewer { userName } }")["data"]["viewer"]["userName"] == ANALYST.user_name
    with monitor.client(token=None, **spoof) as client:
        response = client.post("/api/graphql", json={"query": "{ viewer { userName } }"})
    assert response.status_code == 401
    assert codes(response.json()) == {"UNAUTHENTICATED"}


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Basic abc", "Bearer " + "x" * 5000, "Bearer a\tb",
                                    "Token local-admin"])
def test_bad_tokens_are_unauthenticated(monitor, header):
    with httpx.Client(base_url=monitor.base_url, headers={"Authorization": header}) as client:
        response = client.post("/api/graphql", json={"query": "{ viewer { userName } }"})
    assert response.status_code == 401, response.text
    assert codes(response.json()) == {"UNAUTHENTICATED"}


def test_an_expired_oauth_token_is_unauthenticated(monitor, workspace):
    from gql_monitor.local_workspace.identities import SERVICE_PRINCIPAL

    expired = workspace.state.tokens.issue(SERVICE_PRINCIPAL, ttl_seconds=-1)
    with monitor.client(token=expired) as client:
        response = client.post("/api/graphql", json={"query": "{ viewer { userName } }"})
    assert response.status_code == 401


def test_in_obo_mode_a_user_without_the_grant_gets_forbidden_naming_it(monitor):
    with monitor.client(token="local-analyst") as client:
        body = gql(client, JOBS, expect_errors=True)
    assert codes(body) == {"FORBIDDEN"}
    assert "USE SCHEMA" in body["errors"][0]["message"] and "system." in body["errors"][0]["message"]


def test_users_interleaved_and_concurrent_see_only_their_own_data(monitor):
    """Admin and analyst ask the same questions, cold and warm, in both orders and at once."""

    def ask(token: str):
        with monitor.client(token=token) as client:
            jobs = client.post("/api/graphql", json={"query": JOBS}).json()
            active = gql(client, "{ activeRuns(first: 25) { nodes { jobId } } }")["data"]["activeRuns"]["nodes"]
            return jobs, {n["jobId"] for n in active}

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(ask, ["local-analyst", "local-admin"] * 6))
    admin_jobs = {r[0]["data"]["jobs"]["totalCount"] for r in results[1::2]}
    analyst_codes = [codes(r[0]) for r in results[0::2]]
    admin_active = results[1][1]
    assert len(admin_jobs) == 1 and admin_jobs.pop() > 0
    assert all(c == {"FORBIDDEN"} for c in analyst_codes), "the analyst must never get the admin's cached answer"
    for _, analyst_active in results[0::2]:
        assert analyst_active < admin_active or not admin_active


def test_service_principal_mode_uses_the_apps_reach_and_can_be_restricted(workspace):
    settings = monitor_settings(workspace, data_access="service-principal",
                                allowed_users=frozenset({"admin@example.com"}))
    with RunningMonitor(settings) as mon:
        with mon.client(token="local-admin") as client:
            body = gql(client, "{ viewer { userName dataAccess } jobs(first: 5) { totalCount } }")
        assert body["data"]["viewer"] == {"userName": "admin@example.com", "dataAccess": "SERVICE_PRINCIPAL"}
        with mon.client(token="local-analyst") as client:
            response = client.post("/api/graphql", json={"query": JOBS})
        assert response.status_code == 403 and codes(response.json()) == {"FORBIDDEN"}
    with RunningMonitor(monitor_settings(workspace, data_access="service-principal")) as mon:
        with mon.client(token="local-analyst") as client:
            assert gql(client, JOBS)["data"]["jobs"]["totalCount"] > 0


def test_inside_an_app_the_proxy_headers_identify_the_user(workspace):
    with RunningMonitor(monitor_settings(workspace, in_databricks_app=True)) as mon:
        headers = {"X-Forwarded-Email": "analyst@example.com", "X-Forwarded-Access-Token": "local-analyst"}
        with httpx.Client(base_url=mon.base_url, headers=headers) as client:
            body = client.post("/api/graphql", json={"query": "{ viewer { userName } " + JOBS[1:]}).json()
        assert body["data"] is None or body["data"]["viewer"]["userName"] == "analyst@example.com"
        assert codes(body) == {"FORBIDDEN"}
        with httpx.Client(base_url=mon.base_url, headers={"X-Forwarded-Email": "admin@example.com"}) as client:
            response = client.post("/api/graphql", json={"query": "{ viewer { userName } }"})
        assert response.status_code == 401, "OBO without the user's token fails closed"


VIEWER = "{ viewer { userName dataAccess } }"
NAMES = {"local-admin": "admin@example.com", "local-analyst": ANALYST.user_name}


@pytest.mark.parametrize("mode", ["obo", "service-principal"])
def test_caller_dependent_fields_are_never_served_to_another_caller(workspace, mode):
    """`viewer` (and anything else that depends on who asks) is answered for each caller, however the data is shared:
    interleaved callers, each cold then warm, one after the other and at once."""
    with RunningMonitor(monitor_settings(workspace, data_access=mode)) as mon:
        seen = []
        for token in ["local-admin", "local-analyst", "local-analyst", "local-admin", "local-admin", "local-analyst"]:
            with mon.client(token=token) as client:
                body = gql(client, VIEWER)
            assert body["data"]["viewer"]["userName"] == NAMES[token], (mode, token, body)
            seen.append((token, body["extensions"]["cost"]["cacheHits"]))
        # The second ask of each caller was answered from the cache: the warm path was exercised, per caller.
        assert seen[2] == ("local-analyst", 1) and seen[3] == ("local-admin", 1)

        def ask(token: str) -> tuple[str, str]:
            with mon.client(token=token) as client:
                return token, gql(client, VIEWER)["data"]["viewer"]["userName"]

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, ["local-analyst", "local-admin"] * 8))
    assert all(name == NAMES[token] for token, name in answers), answers


def test_in_service_principal_mode_callers_share_answers_but_not_responses(workspace):
    """The data is the app's for everyone, so a second caller's identical query sends no statement; but the whole
    response, which may hold caller-dependent fields, is computed for them (its table answers come from the cache)."""
    query = "{ viewer { userName } jobs(first: 3) { totalCount } }"
    with RunningMonitor(monitor_settings(workspace, data_access="service-principal")) as mon:
        with mon.client(token="local-admin") as client:
            admin = gql(client, query)
        with mon.client(token="local-analyst") as client:
            analyst = gql(client, query)
    assert admin["extensions"]["cost"]["warehouseStatements"] >= 1
    assert analyst["extensions"]["cost"]["warehouseStatements"] == 0
    assert analyst["data"]["viewer"]["userName"] == ANALYST.user_name
    assert analyst["data"]["jobs"] == admin["data"]["jobs"]


IN_APP_JOBS = "{ viewer { userName } jobs(first: 3) { totalCount } }"


def test_inside_an_app_a_forwarded_token_must_belong_to_the_forwarded_user(workspace):
    """Defence in depth behind the Apps proxy: the forwarded email is only believed with a token that the workspace
    says is theirs, and per-user answers are keyed by that verified identity, never by the header."""
    with RunningMonitor(monitor_settings(workspace, in_databricks_app=True)) as mon:
        admin_headers = {"X-Forwarded-Email": "admin@example.com", "X-Forwarded-Access-Token": "local-admin"}
        with httpx.Client(base_url=mon.base_url, headers=admin_headers) as client:
            admin = gql(client, IN_APP_JOBS)  # warms the admin's answers and responses
        assert admin["data"]["viewer"]["userName"] == "admin@example.com"
        assert admin["data"]["jobs"]["totalCount"] > 0
        for token in ["garbage", "local-analyst"]:
            forged = {"X-Forwarded-Email": "admin@example.com", "X-Forwarded-Access-Token": token}
            with httpx.Client(base_url=mon.base_url, headers=forged) as client:
                response = client.post("/api/graphql", json={"query": IN_APP_JOBS})
            assert response.status_code == 401, (token, response.text)
            assert codes(response.json()) == {"UNAUTHENTICATED"} and response.json()["data"] is None
        # Case and the preferred-username header do not matter; the token's owner does.
        honest = {"X-Forwarded-Email": "Admin@Example.com", "X-Forwarded-Access-Token": "local-admin"}
        with httpx.Client(base_url=mon.base_url, headers=honest) as client:
            again = gql(client, IN_APP_JOBS)
        assert again["data"] == admin["data"]
