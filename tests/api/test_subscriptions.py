"""Subscriptions over graphql-transport-ws on /api/graphql, with a real websocket client (the `websockets` library)
against a running monitor and the stand-in.

Changes are made in a private copy of the stand-in's workspace (`workspace_state.runs`, what the Jobs API serves), and
a test waits for the message that carries them; the poll interval is tiny, and a deadline only turns a hang into a
failure. Counts are read from the stand-in's side of the wire and from the poller hub, never from timing.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket as socket_module
import time
from contextlib import ExitStack
from datetime import timedelta

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from api.helpers import truth
from api.test_visibility import home_workspace, visible_truth
from gql_monitor.clock import FixedClock
from conftest import NOW, RunningMonitor, monitor_settings
from gql_monitor.local_workspace.identities import STATIC_TOKENS
from gql_monitor.local_workspace.server import LocalWorkspace
from gql_monitor.subscriptions.poller import FeedKey
from stand_in_traffic import count_traffic

PROTOCOL = "graphql-transport-ws"
# Long enough for a slow machine to deliver a message, short enough that a missing one fails the test.
DEADLINE = 30
POLL = 0.05
RUNS_LIST = "/api/2.2/jobs/runs/list"

ACTIVE_RUNS = """subscription Live { activeRuns { kind complete polledAt
  added { id jobId lifeCycleState stateMessage }
  updated { id jobId lifeCycleState stateMessage }
  ended { id jobId lastLifeCycleState live { resultState } } } }"""
ONE_RUN = """subscription One($id: ID!) { run(id: $id) { id active polledAt run { lifeCycleState stateMessage }
  live { lifeCycleState resultState } } }"""


# -- a graphql-transport-ws client --------------------------------------------------------------------------------


class Client:
    """One connection, speaking graphql-transport-ws; messages of other operations are kept for later."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.pending: list[dict] = []

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.socket.close()

    def send(self, message) -> None:
        self.socket.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    def recv(self) -> dict:
        return json.loads(self.socket.recv(timeout=DEADLINE))

    def init(self, payload=None) -> dict:
        self.send({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
        return self.recv()

    def subscribe(self, op_id: str, query: str, variables: dict | None = None) -> None:
        self.send({"type": "subscribe", "id": op_id, "payload": {"query": query, "variables": variables or {}}})

    def message(self, op_id: str) -> dict:
        """The next message of operation `op_id`."""
        for i, message in enumerate(self.pending):
            if message.get("id") == op_id:
                return self.pending.pop(i)
        while True:
            message = self.recv()
            if message.get("id") == op_id:
                return message
            self.pending.append(message)

    def until(self, op_id: str, done) -> list[dict]:
        """`next` payloads of `op_id` up to and including the first `done(payload)` holds for."""
        seen = []
        while True:
            message = self.message(op_id)
            assert message["type"] == "next", message
            seen.append(message["payload"])
            if done(message["payload"]):
                return seen

    def closed(self) -> tuple[int, str]:
        """The close code and reason the server sends next (messages before it are dropped)."""
        try:
            while True:
                self.socket.recv(timeout=DEADLINE)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "the server did not send a close frame"
            return closed.rcvd.code, closed.rcvd.reason


def ws_url(monitor: RunningMonitor) -> str:
    return monitor.base_url.replace("http://", "ws://") + "/api/graphql"


def open_client(monitor: RunningMonitor, *, token: str | None = "local-admin", init: bool = True,
                headers: dict | None = None, origin: str | None = None, stack: ExitStack | None = None,
                host: str | None = None) -> Client:
    """A connected client (initialised as `token` unless `init` is false); close it with `with` or `stack`. `host`:
    the Host name the handshake names (the connection still goes to the monitor's loopback address)."""
    url, sock = ws_url(monitor), None
    if host is not None:
        port = int(monitor.base_url.rsplit(":", 1)[1])
        url = f"ws://{host}:{port}/api/graphql"
        sock = socket_module.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    # No keepalive pings: the client's ping thread joins its receiving thread while `recv` joins it too, and two
    # joins of one ending thread race in CPython 3.11 ("release unlocked lock"), seen under the shifted clock.
    socket = connect(url, sock=sock, subprotocols=[PROTOCOL], additional_headers=headers or {}, origin=origin,
                     open_timeout=DEADLINE, max_size=None, ping_interval=None).__enter__()
    client = Client(socket)
    if stack is not None:
        stack.callback(socket.close)
    if init:
        try:
            assert client.init({"Authorization": f"Bearer {token}"} if token else None) == {"type": "connection_ack"}
        except BaseException:
            socket.close()
            raise
    return client


def wait_for(condition, what: str):
    deadline = time.monotonic() + DEADLINE
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)
    return value


# -- changing what the stand-in's Jobs API says is running --------------------------------------------------------


def active_truth(ws) -> dict[int, int]:
    return dict(truth(ws, "SELECT run_id, job_id FROM workspace_state.runs WHERE active"))


def _stored(ws, run_id: int) -> dict:
    return json.loads(truth(ws, "SELECT run FROM workspace_state.runs WHERE run_id = ?", [run_id])[0][0])


def _store(ws, run_id: int, run: dict, active: bool) -> None:
    ws.state.db.cursor().execute("UPDATE workspace_state.runs SET run = ?, active = ? WHERE run_id = ?",
                                 [json.dumps(run), active, run_id])


def set_state(ws, run_id: int, life_cycle_state: str, message: str) -> None:
    run = _stored(ws, run_id)
    run["state"] = {**run.get("state", {}), "life_cycle_state": life_cycle_state, "state_message": message}
    _store(ws, run_id, run, True)


def finish(ws, run_id: int, result_state: str = "FAILED") -> None:
    run = _stored(ws, run_id)
    run["state"] = {"life_cycle_state": "TERMINATED", "result_state": result_state, "state_message": "ended"}
    run["status"] = {"state": "TERMINATED", "termination_details": {"code": "RUN_EXECUTION_ERROR"}}
    _store(ws, run_id, run, False)


def start_run(ws, job_id: int, run_id: int) -> None:
    """A new active run of `job_id`, shaped like a stored one, started at the workspace's now."""
    [(template,)] = truth(ws, "SELECT run FROM workspace_state.runs WHERE active ORDER BY run_id LIMIT 1")
    run = json.loads(template)
    start = int(ws.now.timestamp() * 1000)
    run.update(run_id=run_id, job_id=job_id, run_name=f"run {run_id}", start_time=start,
               state={"life_cycle_state": "PENDING", "state_message": "Waiting for cluster"},
               status={"state": "PENDING"})
    ws.state.db.cursor().execute("INSERT INTO workspace_state.runs VALUES (?, ?, ?, NULL, true, 'JOB_RUN', ?)",
                                 [run_id, job_id, start, json.dumps(run)])


def run_ids(nodes: list[dict]) -> set[str]:
    return {node["id"] for node in nodes}


# -- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_monitor(workspace):
    """Subscriptions with small limits, on the shared stand-in (tests here only read it)."""
    with RunningMonitor(monitor_settings(workspace, subscription_poll_seconds=POLL,
                                         subscription_max_connections_per_caller=3,
                                         subscription_max_messages_per_minute=30,
                                         cors_origins=("https://ui.example", "*"))) as running:
        yield running


@pytest.fixture
def no_tracebacks(caplog):
    """Whatever a test sends, neither the monitor nor the server under it logs an error or a traceback (refusals
    are one warning line each). uvicorn's loggers do not propagate to the root, so they are watched directly."""
    caplog.set_level(logging.WARNING)
    server = logging.getLogger("uvicorn")
    server.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        server.removeHandler(caplog.handler)
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]


# -- end to end ---------------------------------------------------------------------------------------------------


def test_a_subscription_delivers_state_changes_end_to_end(private_workspace):
    ws = private_workspace
    home = home_workspace(ws)
    before = active_truth(ws)
    assert len(before) >= 3
    first, second, *_ = sorted(before)
    job = before[first]
    with RunningMonitor(monitor_settings(ws, subscription_poll_seconds=POLL)) as monitor, \
            open_client(monitor) as client:
        client.subscribe("all", ACTIVE_RUNS)
        client.subscribe("one", ONE_RUN, {"id": f"{home}:{first}"})
        [snapshot] = client.until("all", lambda p: True)
        live = snapshot["data"]["activeRuns"]
        assert live["kind"] == "SNAPSHOT" and live["complete"] and live["polledAt"] == NOW.isoformat()
        assert run_ids(live["added"]) == {f"{home}:{run}" for run in before}
        assert live["updated"] == [] and live["ended"] == []
        assert snapshot["extensions"]["cost"]["queryCost"] > 0
        [now] = client.until("one", lambda p: True)
        assert now["data"]["run"]["active"] and now["data"]["run"]["run"]["lifeCycleState"] in ("RUNNING", "PENDING",
                                                                                              "QUEUED")

        # A state change, a new run and a finished run, each in the next message that says anything.
        set_state(ws, first, "TERMINATING", "Shutting down the cluster")
        [change] = client.until("all", lambda p: True)
        assert change["data"]["activeRuns"]["kind"] == "CHANGES"
        assert change["data"]["activeRuns"]["updated"] == [
            {"id": f"{home}:{first}", "jobId": f"{home}:{job}", "lifeCycleState": "TERMINATING",
             "stateMessage": "Shutting down the cluster"}]
        assert change["data"]["activeRuns"]["added"] == change["data"]["activeRuns"]["ended"] == []
        [one] = client.until("one", lambda p: True)
        assert one["data"]["run"]["run"] == {"lifeCycleState": "TERMINATING", "stateMessage": "Shutting down the cluster"}

        start_run(ws, job, 990000000000001)
        [change] = client.until("all", lambda p: True)
        assert [(r["id"], r["lifeCycleState"]) for r in change["data"]["activeRuns"]["added"]] == [
            (f"{home}:990000000000001", "PENDING")]

        finish(ws, first, "FAILED")
        finish(ws, second, "SUCCESS")
        messages = client.until("all", lambda p: len({r["id"] for r in p["data"]["activeRuns"]["ended"]}) >= 1
                                and f"{home}:{second}" in run_ids(p["data"]["activeRuns"]["ended"]))
        ended = {r["id"]: r for m in messages for r in m["data"]["activeRuns"]["ended"]}
        assert ended[f"{home}:{first}"]["live"] == {"resultState": "FAILED"}
        assert ended[f"{home}:{first}"]["lastLifeCycleState"] == "TERMINATING"
        assert ended[f"{home}:{second}"]["live"] == {"resultState": "SUCCESS"}
        # The run's own subscription says it ended, with its final state, and completes.
        [last] = client.until("one", lambda p: not p["data"]["run"]["active"])
        assert last["data"]["run"]["run"] is None
        assert last["data"]["run"]["live"] == {"lifeCycleState": "TERMINATED", "resultState": "FAILED"}
        assert client.message("one") == {"id": "one", "type": "complete"}


def test_one_poller_per_scope_whatever_the_number_of_subscribers(workspace_db, tmp_path):
    """Six subscribers of one scope (two users whose calls share the app's credentials and see every job) are fed by
    one poller: each read of the active runs is one Jobs API call, counted by the stand-in, whoever listens."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(workspace_db, path)
    ws = LocalWorkspace(db_path=str(path), port=0)
    traffic = count_traffic(ws)
    with ws, RunningMonitor(monitor_settings(ws, subscription_poll_seconds=POLL,
                                             data_access="service-principal")) as monitor, ExitStack() as stack:
        hub = monitor.app.state.subscriptions.hub
        traffic.reset()
        clients = [open_client(monitor, token=token, stack=stack) for token in ["local-admin", "local-analyst"] * 3]
        for n, client in enumerate(clients):
            client.subscribe("live", ACTIVE_RUNS)
            assert client.until("live", lambda p: True)[0]["data"]["activeRuns"]["kind"] == "SNAPSHOT"
        assert hub.pollers() == {FeedKey("app", "all-jobs"): 6}

        run_id = min(active_truth(ws))
        set_state(ws, run_id, "TERMINATING", "Shutting down")
        for client in clients:
            [change] = client.until("live", lambda p: True)
            assert [r["lifeCycleState"] for r in change["data"]["activeRuns"]["updated"]] == ["TERMINATING"]

        stack.close()
        wait_for(lambda: hub.pollers() == {}, "the poller to stop with its last subscriber")
        assert hub.started == 1
        assert hub.finished_polls >= 2  # the snapshot's read and the one that saw the change
        # One call per read (the workspace's active runs fit one page), for all six subscribers.
        assert traffic.calls[RUNS_LIST] == hub.finished_polls == hub.finished_jobs_api_calls


def test_a_restricted_caller_never_receives_another_jobs_run(private_workspace):
    """With visibility by permissions, a team member's feed holds only their jobs' runs, whatever else starts,
    changes or ends; the admin's feed, a poller of its own, holds every run."""
    ws = private_workspace
    home = home_workspace(ws)
    visible = visible_truth(ws, "local-team")
    active = active_truth(ws)
    theirs = sorted(run for run, job in active.items() if f"{home}:{job}" in visible)
    others = sorted(run for run, job in active.items() if f"{home}:{job}" not in visible)
    assert theirs and len(others) >= 2, "the generator puts a running job among the team's grants"
    hidden_job = active[others[0]]
    visible_job = active[theirs[0]]
    settings = monitor_settings(ws, subscription_poll_seconds=POLL, job_visibility="permissions",
                                data_access="service-principal", permissions_retry_wait_ms=10)
    with RunningMonitor(settings) as monitor, ExitStack() as stack:
        team = open_client(monitor, token="local-team", stack=stack)
        admin = open_client(monitor, token="local-admin", stack=stack)
        team.subscribe("live", ACTIVE_RUNS)
        admin.subscribe("live", ACTIVE_RUNS)
        team.subscribe("hidden", ONE_RUN, {"id": f"{home}:{others[1]}"})
        [snapshot] = team.until("live", lambda p: True)
        assert run_ids(snapshot["data"]["activeRuns"]["added"]) == {f"{home}:{run}" for run in theirs}
        assert snapshot["extensions"]["visibility"]["scope"] == "VISIBLE_JOBS"
        [everything] = admin.until("live", lambda p: True)
        assert run_ids(everything["data"]["activeRuns"]["added"]) == {f"{home}:{run}" for run in active}
        # Another job's run, active now, is to them as an unknown run: not active, no details, and done.
        [hidden] = team.until("hidden", lambda p: True)
        assert hidden["data"]["run"] == {"id": f"{home}:{others[1]}", "active": False, "polledAt": NOW.isoformat(),
                                         "run": None, "live": None}
        assert team.message("hidden") == {"id": "hidden", "type": "complete"}

        # Other jobs' runs start, change and end; then one of theirs starts.
        start_run(ws, hidden_job, 990000000000002)
        set_state(ws, others[0], "TERMINATING", "Shutting down")
        finish(ws, others[1])
        admin.until("live", lambda p: f"{home}:{others[1]}" in run_ids(p["data"]["activeRuns"]["ended"]))
        start_run(ws, visible_job, 990000000000003)
        received = team.until("live", lambda p: run_ids(p["data"]["activeRuns"]["added"]))
        admin.until("live", lambda p: f"{home}:990000000000003" in run_ids(p["data"]["activeRuns"]["added"]))
        assert run_ids(received[-1]["data"]["activeRuns"]["added"]) == {f"{home}:990000000000003"}
        for payload in received:
            changes = payload["data"]["activeRuns"]
            for node in changes["added"] + changes["updated"] + changes["ended"]:
                assert node["jobId"] in visible, node
        hub = monitor.app.state.subscriptions.hub
        assert len(hub.pollers()) == 2, "one poller per scope: the team's jobs, and all jobs"


def test_a_caller_who_loses_a_job_is_disconnected_and_reconnects_without_it(private_workspace):
    """Visibility is re-checked with the token: once the team's grant on a running job is gone (and the permission
    lists are read again), the connection closes with 4000 and a new one no longer holds that job's runs."""
    ws = private_workspace
    home = home_workspace(ws)
    team = STATIC_TOKENS["local-team"]
    active = active_truth(ws)
    granted = {job for (job,) in truth(ws, "SELECT job_id FROM workspace_state.job_grants WHERE principal_kind = "
                                           "'group' AND list_contains(?, principal_name)", [list(team.groups)])}
    run_id, job = next((run, job) for run, job in sorted(active.items()) if job in granted)
    clock = FixedClock(ws.now)  # moved by the test, through its `at`
    settings = monitor_settings(ws, subscription_poll_seconds=POLL, job_visibility="permissions", clock=clock,
                                data_access="service-principal", permissions_retry_wait_ms=10,
                                subscription_recheck_seconds=1)
    lifetime = settings.permissions_cache_seconds
    with RunningMonitor(settings) as monitor:
        with open_client(monitor, token="local-team") as client:
            client.subscribe("live", ACTIVE_RUNS)
            [snapshot] = client.until("live", lambda p: True)
            assert f"{home}:{run_id}" in run_ids(snapshot["data"]["activeRuns"]["added"])
            ws.state.db.cursor().execute("DELETE FROM workspace_state.job_grants WHERE job_id = ?", [job])
            assert f"{home}:{job}" not in visible_truth(ws, "local-team")
            # The permission lists' lifetime passes (the monitor's clock, not the wall's): the next re-check finds
            # them stale and has them read again, and the one after sees the new view.
            clock.at += timedelta(seconds=lifetime + 1)
            code, reason = client.closed()
        assert code == 4000 and "view of the jobs changed" in reason
        with open_client(monitor, token="local-team") as client:
            client.subscribe("live", ACTIVE_RUNS)
            [snapshot] = client.until("live", lambda p: True)
            assert f"{home}:{run_id}" not in run_ids(snapshot["data"]["activeRuns"]["added"])
            assert run_ids(snapshot["data"]["activeRuns"]["added"]) == {
                f"{home}:{run}" for run, job in active.items() if f"{home}:{job}" in visible_truth(ws, "local-team")}


def test_a_failing_read_is_one_coded_error_and_the_feed_goes_on(private_workspace):
    ws = private_workspace
    with RunningMonitor(monitor_settings(ws, subscription_poll_seconds=POLL, jobs_api_retry_seconds=1)) as monitor, \
            open_client(monitor) as client:
        client.subscribe("live", ACTIVE_RUNS)
        client.until("live", lambda p: True)
        ws.faults.update({"jobs_api_500_rate": 1.0})
        try:
            [failed] = client.until("live", lambda p: True)
        finally:
            ws.faults.update({"jobs_api_500_rate": 0.0})
        assert failed["data"] == {"activeRuns": None}
        assert [e["extensions"]["code"] for e in failed["errors"]] == ["JOBS_API_UNAVAILABLE"]
        run_id = min(active_truth(ws))
        set_state(ws, run_id, "TERMINATING", "Shutting down")
        [recovered] = client.until("live", lambda p: p["data"]["activeRuns"]["updated"])
        assert recovered["data"]["activeRuns"]["kind"] == "CHANGES"
        assert [r["lifeCycleState"] for r in recovered["data"]["activeRuns"]["updated"]] == ["TERMINATING"]


# -- identity -----------------------------------------------------------------------------------------------------


def test_the_connection_closes_when_the_token_is_revoked(private_workspace):
    """An OAuth token is checked again with the workspace every GQL_MONITOR_SUBSCRIPTION_RECHECK_SECONDS; once it is
    revoked (the user signed out) or expired, the connection closes with 4401."""
    ws = private_workspace
    token = ws.state.tokens.issue(STATIC_TOKENS["local-analyst"], ttl_seconds=3600)
    with RunningMonitor(monitor_settings(ws, subscription_poll_seconds=POLL, subscription_recheck_seconds=1,
                                         data_access="service-principal")) as monitor:
        with open_client(monitor, token=token) as client:
            client.subscribe("live", ACTIVE_RUNS)
            client.until("live", lambda p: True)
            ws.state.tokens.revoke(token)
            code, reason = client.closed()
        assert code == 4401 and "no longer accepted" in reason
        # The token memory forgot it too: HTTP refuses it at once.
        with monitor.client(token=token) as http:
            assert http.post("/api/graphql", json={"query": "{ viewer { userName } }"}).status_code == 401


def test_a_connection_may_carry_its_token_in_the_handshake_headers(live_monitor):
    with open_client(live_monitor, token=None, init=False,
                     headers={"Authorization": "Bearer local-analyst"}) as client:
        assert client.init() == {"type": "connection_ack"}
        client.subscribe("live", ACTIVE_RUNS)
        assert client.until("live", lambda p: True)[0]["data"]["activeRuns"]["kind"] == "SNAPSHOT"


def test_inside_an_app_the_proxys_headers_identify_the_connection(workspace, no_tracebacks):
    """Inside an App only the proxy's handshake headers count, checked as for HTTP: in `obo` mode the forwarded token
    must be the forwarded user's, and a token in the connection_init payload is no identity at all."""
    with RunningMonitor(monitor_settings(workspace, in_databricks_app=True, subscription_poll_seconds=POLL)) as app:
        proxy = {"X-Forwarded-Email": "analyst@example.com", "X-Forwarded-Access-Token": "local-analyst"}
        with open_client(app, token=None, init=False, headers=proxy) as client:
            assert client.init() == {"type": "connection_ack"}
        forged = {"X-Forwarded-Email": "admin@example.com", "X-Forwarded-Access-Token": "local-analyst"}
        with open_client(app, token=None, init=False, headers=forged) as client:
            client.send({"type": "connection_init"})
            code, reason = client.closed()
        assert code == 4401 and "does not belong to the forwarded user" in reason
        with open_client(app, init=False) as client:
            client.send({"type": "connection_init", "payload": {"Authorization": "Bearer local-admin"}})
            code, reason = client.closed()
        assert code == 4401 and "No identity from the Databricks Apps proxy" in reason


def test_a_caller_not_allowed_to_use_the_monitor_closes_with_4403(workspace, no_tracebacks):
    with RunningMonitor(monitor_settings(workspace, data_access="service-principal",
                                         allowed_users=frozenset({"admin@example.com"}))) as monitor:
        with open_client(monitor, token="local-admin"):
            pass
        with open_client(monitor, init=False) as client:
            client.send({"type": "connection_init", "payload": {"Authorization": "Bearer local-analyst"}})
            code, reason = client.closed()
    assert code == 4403 and "not among the users allowed" in reason


def test_an_identity_only_the_proxy_vouched_for_is_renewed_by_reconnecting(workspace):
    """In service-principal mode the proxy's email is the identity and no token of the user's is checked: when the
    re-check is due, the connection closes with 4000 so that the client reconnects through the proxy, which signs
    out users who signed out."""
    with RunningMonitor(monitor_settings(workspace, in_databricks_app=True, data_access="service-principal",
                                         subscription_recheck_seconds=1, subscription_poll_seconds=POLL)) as app:
        with open_client(app, token=None, init=False, headers={"X-Forwarded-Email": "analyst@example.com"}) as client:
            assert client.init() == {"type": "connection_ack"}
            code, reason = client.closed()
        assert code == 4000 and "Reconnect" in reason


@pytest.mark.parametrize("payload, reason", [
    (None, "Send `Authorization: Bearer <token>`"),
    ({"Authorization": "Bearer not-a-token"}, "not accepted"),
    ({"Authorization": "Basic abc"}, "must be `Bearer <token>`"),
    ({"Authorization": 42}, "must be `Bearer <token>`"),
], ids=["missing", "unknown", "not bearer", "not a string"])
def test_missing_or_invalid_tokens_close_with_4401(live_monitor, no_tracebacks, payload, reason):
    with open_client(live_monitor, init=False) as client:
        client.send({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
        code, text = client.closed()
    assert code == (4400 if payload == {"Authorization": 42} else 4401) and reason in text


def test_the_demo_signs_in_a_websocket_by_its_cookie_only(workspace):
    with RunningMonitor(monitor_settings(workspace, demo_default_token="local-admin",
                                         subscription_poll_seconds=POLL)) as demo:
        port = demo.base_url.rsplit(":", 1)[1]
        page = httpx.get(demo.base_url + "/", headers={"Sec-Fetch-Mode": "navigate", "Accept": "text/html"})
        cookie = page.headers["set-cookie"].split(";")[0]
        with open_client(demo, init=False, origin=demo.base_url, headers={"Cookie": cookie}) as client:
            assert client.init() == {"type": "connection_ack"}
        # Without the cookie, the handshake is no navigation: nobody is signed in.
        with open_client(demo, init=False, origin=demo.base_url) as client:
            client.send({"type": "connection_init"})
            assert client.closed()[0] == 4401
        # DNS rebinding: the page's own origin, but not a loopback Host name.
        with open_client(demo, init=False, origin="http://evil.example:" + port, host="evil.example",
                         headers={"Cookie": cookie}) as client:
            client.send({"type": "connection_init"})
            assert client.closed()[0] == 4401


# -- origins ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:1"],
                         ids=["another site", "null", "another port"])
def test_a_hostile_origin_is_refused_before_the_connection_opens(live_monitor, no_tracebacks, origin):
    with pytest.raises(InvalidStatus) as refused:
        open_client(live_monitor, origin=origin)
    assert refused.value.response.status_code == 403
    assert any("websocket refused code=FORBIDDEN" in r.getMessage() and "origin" in r.getMessage()
               for r in no_tracebacks.records)


def test_the_monitors_own_origin_and_listed_origins_may_connect(live_monitor):
    for origin in (live_monitor.base_url, "https://ui.example"):
        with open_client(live_monitor, origin=origin):
            pass
    # `*` among the CORS origins does not open websockets to every site.
    with pytest.raises(InvalidStatus):
        open_client(live_monitor, origin="https://anyone.example")


# -- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("message, code, reason", [
    ("{not json", 4400, "not valid UTF-8 JSON"),
    ("[]", 4400, "JSON object with a string `type`"),
    ('"connection_init"', 4400, "JSON object with a string `type`"),
    ('{"type": 7}', 4400, "JSON object with a string `type`"),
    ('{"type": "wake_up"}', 4400, "Unknown message type 'wake_up'"),
    (b"\x00\x01", 4400, "not binary"),
    ('{"type": "subscribe", "id": "1", "payload": {"query": "subscription { activeRuns { kind } }"}}', 4401,
     "connection_ack"),
    ('{"type": "connection_init", "payload": "token"}', 4400, "payload must be an object or null"),
    ('{"type": "x", "deep": ' + "[" * 40 + "]" * 40 + "}", 4400, "nests deeper than 32"),
    # A lone surrogate, escaped in JSON as clients send it: refused with the message, as an HTTP body is.
    ('{"type": "connection_init", "payload": {"Authorization": "Bearer x\\ud800"}}', 4400, "not valid UTF-8 JSON"),
], ids=["not json", "array", "string", "type not a string", "unknown type", "binary", "subscribe first",
        "payload not an object", "too deep", "lone surrogate"])
def test_malformed_messages_close_with_a_code_and_reason(live_monitor, no_tracebacks, message, code, reason):
    with open_client(live_monitor, init=False) as client:
        client.send(message)
        got_code, got_reason = client.closed()
    assert got_code == code and reason in got_reason, (got_code, got_reason)


@pytest.mark.parametrize("message, code, reason", [
    ({"type": "subscribe", "id": "", "payload": {"query": "subscription { activeRuns { kind } }"}}, 4400, "`id`"),
    ({"type": "subscribe", "id": 5, "payload": {"query": "subscription { activeRuns { kind } }"}}, 4400, "`id`"),
    ({"type": "subscribe", "id": "1"}, 4400, "a JSON object with a `query`"),
    ({"type": "subscribe", "id": "1", "payload": {"query": 5}}, 4400, "needs a `query` string"),
    ({"type": "subscribe", "id": "1", "payload": {"query": "subscription { activeRuns { kind } }",
                                                   "variables": []}}, 4400, "`variables` must be an object"),
    ({"type": "complete", "id": None}, 4400, "`id`"),
    ({"type": "connection_init"}, 4429, "Too many initialisation requests"),
], ids=["empty id", "numeric id", "no payload", "query not a string", "variables an array", "complete without id",
        "second init"])
def test_malformed_operations_close_with_a_code_and_reason(live_monitor, no_tracebacks, message, code, reason):
    with open_client(live_monitor) as client:
        client.send(message)
        got_code, got_reason = client.closed()
    assert got_code == code and reason in got_reason, (got_code, got_reason)


def test_only_the_graphql_transport_ws_protocol_is_spoken(live_monitor, no_tracebacks):
    """The older subscriptions-transport-ws protocol (subprotocol `graphql-ws`) is not offered: 4406."""
    with connect(ws_url(live_monitor), subprotocols=["graphql-ws"], open_timeout=DEADLINE,
                 ping_interval=None) as socket:
        assert socket.subprotocol is None
        client = Client(socket)
        assert client.closed()[0] == 4406


def test_a_reused_operation_id_closes_with_4409(live_monitor, no_tracebacks):
    with open_client(live_monitor) as client:
        client.subscribe("1", ACTIVE_RUNS)
        client.subscribe("1", ACTIVE_RUNS)
        assert client.closed()[0] == 4409


def test_an_oversized_message_closes_with_1009(live_monitor, no_tracebacks):
    limit = live_monitor.settings.max_body_bytes
    with open_client(live_monitor) as client:
        client.subscribe("1", "subscription { activeRuns { kind } }" + " " * limit)
        code, reason = client.closed()
    assert code == 1009 and str(limit) in reason


@pytest.mark.parametrize("document, variables, code", [
    ("subscription { activeRuns { nope } }", {}, "BAD_USER_INPUT"),
    ("subscription { activeRuns { kind", {}, "BAD_USER_INPUT"),
    ("{ viewer { userName } }", {}, "BAD_USER_INPUT"),
    ("subscription($id: ID!) { run(id: $id) { id } }", {"id": "a\x00b"}, "BAD_USER_INPUT"),
    ("subscription($id: ID!) { run(id: $id) { id } }", {"id": "7" * 2000}, "BAD_USER_INPUT"),
    ("subscription { activeRuns { " + "a: kind " * 31 + "} }", {}, "QUERY_TOO_COMPLEX"),
    ("subscription { activeRuns { added { job { runs(first: 100) { nodes { tasks { taskKey } cost { daily { date } "
     "} } } } } } }", {}, "QUERY_TOO_COMPLEX"),
], ids=["unknown field", "syntax", "a query", "NUL", "too long", "too many aliases", "too costly"])
def test_invalid_operations_get_a_coded_error_and_the_connection_stays(live_monitor, no_tracebacks, document,
                                                                       variables, code):
    with open_client(live_monitor) as client:
        client.subscribe("1", document, variables)
        message = client.message("1")
        assert message["type"] == "error", message
        assert [e["extensions"]["code"] for e in message["payload"]] == [code]
        client.send({"type": "ping"})
        assert client.recv() == {"type": "pong"}


def test_a_malformed_run_id_is_a_coded_error_and_the_stream_completes(live_monitor, no_tracebacks):
    with open_client(live_monitor) as client:
        client.subscribe("1", ONE_RUN, {"id": "not-an-id"})
        message = client.message("1")
        assert message["payload"]["data"] == {"run": None}
        assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["BAD_USER_INPUT"]
        assert client.message("1") == {"id": "1", "type": "complete"}


def test_subscriptions_are_refused_over_http(live_monitor):
    with live_monitor.client() as http:
        response = http.post("/api/graphql", json={"query": "subscription { activeRuns { kind } }"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# -- limits -------------------------------------------------------------------------------------------------------


def test_too_many_connections_of_one_caller_close_with_4429(live_monitor, no_tracebacks):
    with ExitStack() as stack:
        for _ in range(live_monitor.settings.subscription_max_connections_per_caller):
            open_client(live_monitor, token="local-analyst", stack=stack)
        extra = open_client(live_monitor, token=None, init=False, stack=stack)
        extra.send({"type": "connection_init", "payload": {"Authorization": "Bearer local-analyst"}})
        code, reason = extra.closed()
        assert code == 4429 and "for this caller" in reason
        # Another caller is not affected.
        open_client(live_monitor, token="local-admin", stack=stack)
    # Closed connections give their places back.
    with open_client(live_monitor, token="local-analyst"):
        pass


def test_too_many_connections_to_the_process_close_with_4429(workspace, no_tracebacks):
    with RunningMonitor(monitor_settings(workspace, subscription_max_connections=2)) as monitor, \
            ExitStack() as stack:
        open_client(monitor, token="local-admin", stack=stack)
        open_client(monitor, token="local-analyst", stack=stack)
        extra = open_client(monitor, init=False, stack=stack)
        code, reason = extra.closed()
        assert code == 4429 and "to this monitor" in reason


def test_too_many_messages_close_with_4429(live_monitor, no_tracebacks):
    per_minute = live_monitor.settings.subscription_max_messages_per_minute
    with open_client(live_monitor) as client:
        # connection_init was one; a burst of the rest is answered, the one past the burst closes the connection
        # (refilling one message takes two seconds at this limit: far longer than sending these).
        for _ in range(per_minute - 1):
            client.send({"type": "ping"})
        for _ in range(per_minute - 1):
            assert client.recv() == {"type": "pong"}
        client.send({"type": "ping"})
        code, reason = client.closed()
    assert code == 4429 and f"at most {per_minute} a minute" in reason


def test_websockets_can_be_turned_off(workspace):
    with RunningMonitor(monitor_settings(workspace, subscription_max_connections=0)) as monitor:
        with pytest.raises(InvalidStatus) as refused:
            open_client(monitor)
        assert refused.value.response.status_code == 403
        # Queries still work: the UI polls them instead (web/src/live.ts).
        with monitor.client() as http:
            answer = http.post("/api/graphql", json={"query": "{ activeRuns(first: 1) { nodes { id } } }"})
        assert answer.status_code == 200 and answer.json()["data"]["activeRuns"]["nodes"]
