"""GQL_MONITOR_JOB_VISIBILITY=permissions: each caller gets exactly the jobs their permissions allow.

The truth is computed from the stand-in's own ACL tables (workspace_state.jobs, job_acl, job_grants) and the callers'
groups as the stand-in defines them, never through the monitor's permission reads: a job is visible to a caller when
they own it, the job's ACL names them, or a grant names them or one of their groups. Full-view callers (admins) see
everything. Every caller is checked in both data-access modes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.helpers import amount, cents, priced_usage_rows, truth
from conftest import RunningMonitor, gql, monitor_settings
from gql_monitor.clock import FixedClock
from gql_monitor.local_workspace.identities import STATIC_TOKENS

RESTRICTED = ["local-team", "local-owner", "local-nobody", "local-analyst"]
# local-analyst holds no grant on the system tables: with on-behalf-of data access the warehouse refuses them.
TABLE_READERS = ["local-team", "local-owner", "local-nobody"]


def home_workspace(workspace) -> str:
    return truth(workspace, "SELECT value FROM workspace_state.meta WHERE key = 'home_workspace_id'")[0][0]


def visible_truth(workspace, token: str) -> set[str]:
    """`<workspace>:<job>` keys the stand-in's ACLs let this caller see, in the home workspace."""
    who = STATIC_TOKENS[token]
    groups = [g.lower() for g in who.groups]
    rows = truth(workspace, """
        WITH owners AS (
          SELECT j.job_id, lower(coalesce(
                   (SELECT any_value(g.principal_name) FROM workspace_state.job_grants g
                    WHERE g.job_id = j.job_id AND g.permission_level = 'IS_OWNER'), j.creator_user_name)) AS owner
          FROM workspace_state.jobs j)
        SELECT job_id FROM owners WHERE owner = lower(?)
        UNION SELECT job_id FROM workspace_state.job_acl WHERE lower(user_name) = lower(?)
        UNION SELECT job_id FROM workspace_state.job_grants
              WHERE (principal_kind = 'group' AND list_contains(?, lower(principal_name)))
                 OR (principal_kind <> 'group' AND lower(principal_name) = lower(?))
    """, [who.user_name, who.user_name, groups, who.user_name])
    home = home_workspace(workspace)
    return {f"{home}:{job_id}" for (job_id,) in rows}


def all_pages(client, field: str, selection: str, args: str = "") -> list[dict]:
    nodes, after = [], None
    while True:
        query = (f"query($after: String) {{ {field}(first: 100, after: $after{args}) {{ totalCount "
                 f"pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }}")
        page = gql(client, query, {"after": after})["data"][field]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(nodes) == page["totalCount"]
            return nodes
        after = page["pageInfo"]["endCursor"]


def job_ids(client) -> set[str]:
    return {node["id"] for node in all_pages(client, "jobs", "id")}


@pytest.fixture(scope="module", params=["service-principal", "obo"])
def permissions_monitor(request, workspace):
    with RunningMonitor(monitor_settings(workspace, job_visibility="permissions", data_access=request.param,
                                         permissions_retry_wait_ms=10)) as running:
        yield running


@pytest.fixture(scope="module")
def every_job(monitor) -> set[str]:
    """What an admin sees with the default policy: the account's job catalog."""
    with monitor.client("local-admin") as client:
        return job_ids(client)


def callers(monitor) -> list[str]:
    return RESTRICTED if monitor.settings.data_access == "service-principal" else TABLE_READERS


def test_an_admin_sees_every_job_and_is_told_so(permissions_monitor, every_job):
    with permissions_monitor.client("local-admin") as client:
        assert job_ids(client) == every_job
        view = gql(client, "{ viewer { jobVisibility { policy scope visibleJobCount unreadableJobCount } } }")
    assert view["data"]["viewer"]["jobVisibility"] == {
        "policy": "PERMISSIONS", "scope": "ALL_JOBS", "visibleJobCount": None, "unreadableJobCount": 0}
    assert "visibility" not in view["extensions"]


def test_each_caller_sees_exactly_the_jobs_their_permissions_allow(permissions_monitor, workspace, every_job):
    for token in callers(permissions_monitor):
        expected = visible_truth(workspace, token) & every_job
        with permissions_monitor.client(token) as client:
            got = job_ids(client)
            view = gql(client, "{ viewer { jobVisibility { scope visibleJobCount } } }")
        assert got == expected, token
        assert view["data"]["viewer"]["jobVisibility"]["scope"] == "VISIBLE_JOBS"
        assert view["extensions"]["visibility"]["scope"] == "VISIBLE_JOBS"
    # The callers differ: a team member's group reaches jobs nobody else here sees, and a newcomer sees none.
    assert visible_truth(workspace, "local-team") - visible_truth(workspace, "local-owner")
    assert visible_truth(workspace, "local-nobody") == set()


@pytest.fixture(scope="module")
def every_run(monitor) -> list[dict]:
    """Every run of the default window, as an admin sees them with the default policy."""
    with monitor.client("local-admin") as client:
        return all_pages(client, "runs", "id job { id }")


def test_runs_of_each_caller_are_the_runs_of_their_jobs(permissions_monitor, workspace, every_run):
    for token in callers(permissions_monitor):
        visible = visible_truth(workspace, token)
        expected = {run["id"] for run in every_run if run["job"]["id"] in visible}
        with permissions_monitor.client(token) as client:
            got = all_pages(client, "runs", "id job { id }")
        assert {run["id"] for run in got} == expected, token
    assert any(run["job"]["id"] in visible_truth(workspace, "local-team") for run in every_run)
    # A run of another job is unknown to the caller, by id too.
    visible = visible_truth(workspace, "local-team")
    other = next(run for run in every_run if run["job"]["id"] not in visible)
    with permissions_monitor.client("local-team") as client:
        data = gql(client, "query($r: ID!, $j: ID!) { run(id: $r) { id } job(id: $j) { id } }",
                   {"r": other["id"], "j": other["job"]["id"]})["data"]
    assert data == {"run": None, "job": None}


def test_spend_of_each_caller_is_the_spend_of_their_jobs_to_the_cent(permissions_monitor, workspace):
    end = workspace.now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=30)
    window = {"start": start.isoformat(), "end": end.isoformat()}
    query = """query($w: TimeWindowInput!, $g: CostDimension!) { costs(window: $w, groupBy: $g) {
        scope total { amount } unattributedToJobs { amount } groups { key unattributed cost { listCost { amount } } }
    } }"""
    for token in callers(permissions_monitor):
        visible = visible_truth(workspace, token)
        with permissions_monitor.client(token) as client:
            by_job = gql(client, query, {"w": window, "g": "JOB"})["data"]["costs"]
            by_sku = gql(client, query, {"w": window, "g": "SKU"})["data"]["costs"]
        rows = priced_usage_rows(workspace, start.replace(tzinfo=None), end.replace(tzinfo=None),
                                 "list_contains(?, concat(workspace_id, ':', usage_metadata.job_id))",
                                 [sorted(visible) or ["-"]])
        expected = cents(amount(rows))
        assert (expected > 0) == bool(visible), token
        for answer in (by_job, by_sku):
            assert answer["scope"] == "VISIBLE_JOBS"
            assert cents(answer["total"]["amount"]) == expected, token
            assert cents(answer["unattributedToJobs"]["amount"]) == 0
            assert not any(group["unattributed"] for group in answer["groups"])
        assert {group["key"] for group in by_job["groups"]} <= visible


def test_active_runs_are_those_of_visible_jobs(permissions_monitor, workspace):
    home = home_workspace(workspace)
    active = truth(workspace, "SELECT run_id, job_id FROM workspace_state.runs WHERE active")
    for token in callers(permissions_monitor):
        visible = visible_truth(workspace, token)
        expected = {f"{home}:{run_id}" for run_id, job_id in active if f"{home}:{job_id}" in visible}
        with permissions_monitor.client(token) as client:
            got = active_runs(client)
        assert set(got) == expected, token
        assert set(got.values()) <= visible


def active_runs(client) -> dict[str, str]:
    """Every active run the caller gets, all pages: run id -> job id."""
    got, after = {}, None
    while True:
        page = gql(client, "query($a: String) { activeRuns(first: 25, after: $a) { nodes { id jobId } "
                           "pageInfo { hasNextPage endCursor } } }", {"a": after})["data"]["activeRuns"]
        got |= {node["id"]: node["jobId"] for node in page["nodes"]}
        if not page["pageInfo"]["hasNextPage"]:
            return got
        after = page["pageInfo"]["endCursor"]


DASHBOARD = """{ viewer { userName } jobs(first: 100) { totalCount nodes { id name runStats { totalRuns } } }
  runs(first: 100) { totalCount nodes { id job { id } } }
  costInsights { scope failureSpend { account { total { amount } } } }
  alerts(first: 100) { totalCount nodes { kind job { id } } } }"""


def answer_of(client) -> dict:
    body = gql(client, DASHBOARD)
    return body["data"]


def test_no_caller_is_served_an_answer_cached_for_another(workspace):
    """Callers with different reach, interleaved on one monitor: cold (each asks first in turn) and warm (each asks
    again after the others). In service-principal mode they share one cache partition, so only the scope keeps
    their answers apart."""
    settings = monitor_settings(workspace, job_visibility="permissions", data_access="service-principal")
    order = ["local-team", "local-admin", "local-nobody", "local-owner"]
    with RunningMonitor(settings) as running:
        cold = {}
        for token in order:
            with running.client(token) as client:
                cold[token] = answer_of(client)
        warm = {}
        for token in reversed(order):
            with running.client(token) as client:
                warm[token] = answer_of(client)
    assert warm == cold
    for token in order:
        visible = None if token == "local-admin" else visible_truth(workspace, token)
        answer = cold[token]
        jobs = {node["id"] for node in answer["jobs"]["nodes"]}
        run_jobs = {node["job"]["id"] for node in answer["runs"]["nodes"]}
        alert_jobs = {node["job"]["id"] for node in answer["alerts"]["nodes"] if node["job"]}
        if visible is not None:
            assert jobs <= visible and run_jobs <= visible and alert_jobs <= visible, token
            assert answer["costInsights"]["scope"] == "VISIBLE_JOBS"
    assert cold["local-nobody"]["jobs"]["totalCount"] == 0
    assert cold["local-nobody"]["alerts"]["totalCount"] == 0
    assert cents(cold["local-nobody"]["costInsights"]["failureSpend"]["account"]["total"]["amount"]) == 0
    assert cold["local-admin"]["jobs"]["totalCount"] > cold["local-team"]["jobs"]["totalCount"] > 0


def test_throttled_permission_reads_hide_jobs_and_say_so(workspace, faults):
    """With every permission read throttled and no retry budget, nothing is visible: never a leak, and the answer
    carries the count and the code."""
    faults.update({"permissions_api_429_rate": 1.0})
    settings = monitor_settings(workspace, job_visibility="permissions", data_access="service-principal",
                                permissions_retry_budget=0)
    with RunningMonitor(settings) as running, running.client("local-team") as client:
        body = gql(client, "{ viewer { jobVisibility { visibleJobCount unreadableJobCount unreadableReasons } } "
                           "jobs(first: 10) { totalCount } }")
    jobs_in_api = truth(workspace, "SELECT count(*) FROM workspace_state.jobs")[0][0]
    assert body["data"]["viewer"]["jobVisibility"] == {
        "visibleJobCount": 0, "unreadableJobCount": jobs_in_api, "unreadableReasons": ["REQUEST_LIMIT_EXCEEDED"]}
    assert body["data"]["jobs"]["totalCount"] == 0
    assert body["extensions"]["visibility"] == {
        "scope": "VISIBLE_JOBS", "visibleJobs": 0, "unreadableJobs": jobs_in_api, "code": "PERMISSIONS_UNREADABLE",
        "reasons": ["REQUEST_LIMIT_EXCEEDED"]}


def test_throttled_reads_are_retried_within_the_budget(workspace, faults):
    faults.update({"permissions_api_429_rate": 0.3})
    before = faults.injected()["permissions_api_429"]
    settings = monitor_settings(workspace, job_visibility="permissions", data_access="service-principal",
                                permissions_retry_wait_ms=1, permissions_retry_budget=100_000)
    with RunningMonitor(settings) as running, running.client("local-team") as client:
        got = job_ids(client)
        view = gql(client, "{ viewer { jobVisibility { unreadableJobCount } } }")["data"]["viewer"]
        permissions = running.services.visibility.permissions
        counts = permissions.counts
    throttled = faults.injected()["permissions_api_429"] - before
    jobs_in_api = truth(workspace, "SELECT count(*) FROM workspace_state.jobs")[0][0]
    assert throttled > 0
    assert counts.permission_reads == jobs_in_api + throttled
    assert view["jobVisibility"]["unreadableJobCount"] == 0
    with RunningMonitor(monitor_settings(workspace)) as plain, plain.client("local-admin") as admin:
        assert got == visible_truth(workspace, "local-team") & job_ids(admin)


def test_permission_lists_are_read_once_for_every_caller_within_their_lifetime(workspace):
    settings = monitor_settings(workspace, job_visibility="permissions", data_access="service-principal")
    with RunningMonitor(settings) as running:
        for token in ["local-team", "local-owner", "local-team", "local-nobody"]:
            with running.client(token) as client:
                gql(client, "{ jobs(first: 5) { totalCount } }")
        permissions = running.services.visibility.permissions
        counts = permissions.counts
    jobs_in_api = truth(workspace, "SELECT count(*) FROM workspace_state.jobs")[0][0]
    assert (counts.refreshes, counts.permission_reads) == (1, jobs_in_api)


def in_app(running, email: str, token: str | None):
    import httpx

    headers = {"X-Forwarded-Email": email}
    if token is not None:
        headers["X-Forwarded-Access-Token"] = token
    return httpx.Client(base_url=running.base_url, headers=headers, timeout=60)


@pytest.mark.parametrize("mode", ["obo", "service-principal"])
def test_inside_an_app_live_fields_are_the_apps_cut_to_the_callers_view(workspace, mode):
    """An App's user token cannot call the Jobs API, so with permissions visibility the monitor calls it as the app.
    A FinOps member (full view by configuration) holds no grant on any job: their own token would list no active
    run, yet they see every one; a team member sees those of their group's jobs."""
    home = home_workspace(workspace)
    active = truth(workspace, "SELECT run_id, job_id FROM workspace_state.runs WHERE active")
    assert active
    settings = monitor_settings(workspace, in_databricks_app=True, data_access=mode, job_visibility="permissions",
                                full_view_groups=frozenset({"admins", "finops"}))
    with RunningMonitor(settings) as running:
        with in_app(running, "finops@example.com", "local-finops") as client:
            scope = gql(client, "{ viewer { jobVisibility { scope } } }")["data"]["viewer"]["jobVisibility"]["scope"]
            finops = active_runs(client)
        with in_app(running, "team.member@example.com", "local-team") as client:
            team = active_runs(client)
    assert scope == "ALL_JOBS"
    assert set(finops) == {f"{home}:{run}" for run, _ in active}
    visible = visible_truth(workspace, "local-team")
    assert set(team) == {f"{home}:{run}" for run, job in active if f"{home}:{job}" in visible}


def test_inside_an_app_visibility_by_permissions_needs_the_users_token(workspace):
    settings = monitor_settings(workspace, in_databricks_app=True, data_access="service-principal",
                                job_visibility="permissions")
    with RunningMonitor(settings) as running, in_app(running, "team.member@example.com", None) as client:
        response = client.post("/api/graphql", json={"query": "{ jobs(first: 1) { totalCount } }"})
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "user authorization" in error["message"]


def test_an_app_that_may_view_jobs_but_not_read_their_permissions_hides_them(private_workspace, caplog):
    """What a missing grant looks like: a service principal that is not a workspace admin lists the jobs it may view
    but may not read their permission lists, so a restricted caller sees none of them and is told why; a full-view
    caller still sees everything."""
    ws = private_workspace
    db = ws.state.db.cursor()
    viewable = [job_id for (job_id,) in db.execute("SELECT job_id FROM workspace_state.jobs ORDER BY job_id LIMIT 5")
                .fetchall()]
    db.executemany("INSERT INTO workspace_state.job_grants VALUES (?, 'service_principal', 'local-sp-limited', "
                   "'CAN_VIEW')", [[job_id] for job_id in viewable])
    settings = monitor_settings(ws, job_visibility="permissions", data_access="obo", client_id="local-sp-limited",
                                client_secret="local-sp-limited-secret")
    with caplog.at_level("WARNING", logger="gql_monitor.sources.job_permissions"), RunningMonitor(settings) as running:
        with running.client("local-team") as client:
            body = gql(client, "{ viewer { jobVisibility { visibleJobCount unreadableJobCount unreadableReasons } } "
                               "jobs(first: 5) { totalCount } }")
        with running.client("local-admin") as client:
            admin = gql(client, "{ jobs(first: 5) { totalCount } }")
    assert body["data"]["viewer"]["jobVisibility"] == {
        "visibleJobCount": 0, "unreadableJobCount": len(viewable), "unreadableReasons": ["PERMISSION_DENIED"]}
    assert body["data"]["jobs"]["totalCount"] == 0
    assert body["extensions"]["visibility"]["code"] == "PERMISSIONS_UNREADABLE"
    assert admin["data"]["jobs"]["totalCount"] > 0
    assert f"permission lists of {len(viewable)} of {len(viewable)} jobs could not be read (PERMISSION_DENIED)" \
        in caplog.text


def test_a_stale_read_is_served_while_the_next_runs_and_an_old_one_is_not(private_workspace):
    """A permission change shows after the next read: while the lists are stale (past their lifetime, within one
    more) callers are answered from them and a read runs in the background; past that, callers wait for a read."""
    import time as wall

    ws = private_workspace
    db = ws.state.db.cursor()
    clock = FixedClock(ws.now)  # moved by the test, through its `at`
    lifetime = 300
    settings = monitor_settings(ws, job_visibility="permissions", data_access="service-principal", clock=clock,
                                permissions_cache_seconds=lifetime)
    home = home_workspace(ws)
    granted = [job_id for (job_id,) in db.execute(
        "SELECT job_id FROM workspace_state.jobs WHERE job_id NOT IN (SELECT job_id FROM workspace_state.job_grants "
        "UNION SELECT job_id FROM workspace_state.job_acl WHERE user_name = 'newcomer@example.com') "
        "ORDER BY job_id LIMIT 2").fetchall()]

    def visible(client) -> set[str]:
        return {node["id"] for node in gql(client, "{ jobs(first: 100) { nodes { id } } }")["data"]["jobs"]["nodes"]}

    with RunningMonitor(settings) as running, running.client("local-nobody") as client:
        permissions = running.services.visibility.permissions
        counts = permissions.counts
        assert visible(client) == set()
        db.execute("INSERT INTO workspace_state.job_grants VALUES (?, 'user', 'newcomer@example.com', 'CAN_VIEW')",
                   [granted[0]])
        clock.at += timedelta(seconds=lifetime + 1)
        refreshes = counts.refreshes
        assert visible(client) == set(), "a stale read answers while the next one runs"
        deadline = wall.monotonic() + 30
        while counts.refreshes == refreshes or permissions.refreshing:
            assert wall.monotonic() < deadline, "the background read did not finish"
            wall.sleep(0.05)
        assert visible(client) == {f"{home}:{granted[0]}"}

        db.execute("INSERT INTO workspace_state.job_grants VALUES (?, 'user', 'newcomer@example.com', 'CAN_VIEW')",
                   [granted[1]])
        clock.at += timedelta(seconds=2 * lifetime + 1)
        assert visible(client) == {f"{home}:{job_id}" for job_id in granted}, "too old a read is never served"
