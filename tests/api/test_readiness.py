"""Start-up work the first request would otherwise wait for: in service-principal mode the monitor opens a warehouse
session on every worker thread before anyone asks, and `/api/ready` says "starting" until that is over."""

from __future__ import annotations

import time

import httpx

from conftest import RunningMonitor, gql, monitor_settings

DASHBOARD = "{ jobs(first: 20) { nodes { id runStats { totalRuns } cost { listCost { amount } } lastRun { id } } } }"


def sessions_opened(ws, user: str) -> int:
    return sum(1 for who, call, _ in list(ws.state.client_settings) if call == "OpenSession" and who == user)


def test_the_first_request_finds_its_sessions_open(private_workspace):
    ws = private_workspace
    settings = monitor_settings(ws, data_access="service-principal", warehouse_concurrency=4)
    with RunningMonitor(settings) as running:
        assert httpx.get(running.base_url + "/api/ready").json() == {"status": "ready"}
        opened = sessions_opened(ws, "local-sp")
        assert opened == 4, "one session per worker thread, before any request"
        with running.client("local-admin") as client:
            body = gql(client, DASHBOARD)
        assert body["extensions"]["cost"]["warehouseStatements"] >= 3
        assert sessions_opened(ws, "local-sp") == opened, "no statement of the first request opened a session"


def test_on_behalf_of_users_nothing_is_opened_ahead(private_workspace):
    ws = private_workspace
    with RunningMonitor(monitor_settings(ws, data_access="obo", warehouse_concurrency=4)):
        # Only the health check's own session: users' sessions open with their tokens, when they ask.
        assert sessions_opened(ws, "local-sp") <= 1


def test_ready_says_starting_until_the_sessions_are_open(private_workspace):
    """The warehouse holds every request (the stand-in's `warehouse_paused`) while the monitor starts: it is up and
    says "starting"; once the warehouse answers, the sessions open and it says "ready"."""
    ws = private_workspace
    ws.faults.update({"warehouse_paused": True})
    running = RunningMonitor(monitor_settings(ws, data_access="service-principal", warehouse_concurrency=2))
    running._thread.start()
    try:
        deadline = time.monotonic() + 30
        while not running._server.started:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        first = httpx.get(running.base_url + "/api/ready", timeout=10)
        assert (first.status_code, first.json()) == (503, {"status": "starting"})
        assert first.headers["retry-after"] == "1"
        assert sessions_opened(ws, "local-sp") == 0
        ws.faults.update({"warehouse_paused": False})
        while httpx.get(running.base_url + "/api/ready", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "never became ready"
            time.sleep(0.05)
        assert sessions_opened(ws, "local-sp") == 2
    finally:
        ws.faults.update({"warehouse_paused": False})
        running.__exit__(None, None, None)
