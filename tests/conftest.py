"""Shared fixtures: one generated small workspace, the stand-in serving it, and the monitor against it.

Everything runs through the real databricks-sql-connector and databricks-sdk over loopback HTTP.

Tests cannot see each other: a test that counts what reached the wire (`warehouseStatements`, `jobsApiCalls`) or
needs a fault to reach it uses `uncached_monitor`, never the shared `monitor`, whose caches are warm with whatever
ran before. `pytest --reverse` runs the collected tests in reverse order to check that no test depends on another.
"""

from __future__ import annotations

import shutil
import threading
import time
from datetime import datetime, timezone

import httpx
import pytest
import uvicorn

from gql_monitor.clock import FixedClock
from gql_monitor.http.app import create_app
from gql_monitor.http.listening_socket import listening_socket
from gql_monitor.local_workspace.server import LocalWorkspace
from gql_monitor.local_workspace.state import open_database
from gql_monitor.services import Services
from gql_monitor.settings import Settings

# The generated workspace's "now": fixed, so every test sees the same data.
NOW = datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)
SEED = 7


def pytest_addoption(parser):
    parser.addoption("--reverse", action="store_true",
                     help="run the collected tests in reverse order (a test that passes only after another fails)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--reverse"):
        items.reverse()


@pytest.fixture(scope="session")
def workspace_db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("workspace") / "small.duckdb")
    open_database(path, scale="small", seed=SEED, now=NOW).close()
    return path


@pytest.fixture(scope="session")
def workspace(workspace_db):
    with LocalWorkspace(db_path=workspace_db, port=0) as ws:
        yield ws


@pytest.fixture
def private_workspace(workspace_db, tmp_path):
    """A copy of the workspace that a test may change, served by a stand-in of its own."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(workspace_db, path)
    with LocalWorkspace(db_path=str(path), port=0) as ws:
        yield ws


@pytest.fixture
def faults(workspace):
    """The stand-in's fault settings, restored after the test."""
    before = workspace.faults.as_dict()
    yield workspace.faults
    workspace.faults.update(before)


def monitor_settings(workspace: LocalWorkspace, **overrides) -> Settings:
    """The monitor as the demo configures it, with short retry budgets so fault tests stay fast, and its clock
    pinned to the workspace's "now": what the tests see never depends on today's date."""
    # /api/health checks once at start and then hourly: its statements must not land in other tests' counts.
    defaults = {"jobs_api_retry_seconds": 2, "warehouse_retry_seconds": 2, "clock": FixedClock(workspace.now),
                "health_refresh_seconds": 3600}
    return Settings.for_stand_in(workspace.base_url, **{**defaults, **overrides})


class RunningMonitor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.services = Services.build(settings)
        self.app = create_app(settings, self.services)
        self._sock = listening_socket("127.0.0.1", 0)
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> "RunningMonitor":
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            assert time.monotonic() < deadline, "the monitor did not start"
            time.sleep(0.02)
        # The first health check (statements as the app) and the start-up work (sessions opened ahead, in
        # service-principal mode) are over before a test starts counting statements or sessions.
        httpx.get(self.base_url + "/api/health", timeout=60)
        while httpx.get(self.base_url + "/api/ready", timeout=60).status_code != 200:
            assert time.monotonic() < deadline + 60, "the monitor did not become ready"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def client(self, token: str | None = "local-admin", **headers) -> httpx.Client:
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)


@pytest.fixture(scope="session")
def monitor(workspace):
    with RunningMonitor(monitor_settings(workspace)) as running:
        yield running


@pytest.fixture(scope="session")
def uncached_monitor(workspace):
    """A monitor that caches no answer and no response: every operation sends its statements and Jobs API calls, so
    counts of them do not depend on which tests ran before."""
    with RunningMonitor(monitor_settings(workspace, table_cache_seconds=0, live_cache_seconds=0)) as running:
        yield running


def gql(client: httpx.Client, query: str, variables: dict | None = None, *, expect_errors: bool = False) -> dict:
    response = client.post("/api/graphql", json={"query": query, "variables": variables or {}})
    body = response.json()
    if not expect_errors:
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
    return body


@pytest.fixture(scope="module")
def demo(workspace):
    """As `gql-monitor demo` runs: a browser on loopback sends no token and is the stand-in's admin."""
    with RunningMonitor(monitor_settings(workspace, demo_default_token="local-admin")) as running:
        yield running


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per browser-test module (Debian's, driven by Playwright's Python client)."""
    from browser.browser_support import CHROMIUM, launch_chromium

    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}; scripts/test installs Debian's `chromium` when run as root")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' brings Playwright")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
