"""Fixtures for the source tests, imported by name into each test module (a second conftest.py here would shadow
the root one for `from conftest import ...`).

A stand-in of our own: the shared generated workspace file, served by a second LocalWorkspace whose HTTP traffic is
counted (`stand_in_traffic.Traffic`: calls and statuses per path, and the most requests in flight at once), so tests
can see what reached the wire and whether calls overlapped, without timing anything. Its faults are its own: a test
may change them freely; `traffic` restores them and zeroes the counters.
"""

from __future__ import annotations

import threading

import pytest

from gql_monitor.local_workspace.server import LocalWorkspace
from gql_monitor.principal import Principal
from stand_in_traffic import Traffic, count_traffic

ADMIN = Principal("admin@example.com", "local-admin")
ANALYST = Principal("analyst@example.com", "local-analyst")


@pytest.fixture(scope="session")
def counted_workspace(workspace_db):
    ws = LocalWorkspace(db_path=workspace_db, port=0)
    count_traffic(ws)
    with ws:
        yield ws
        # The stand-in's worker threads are daemons that close DuckDB cursors as they end; one still doing so when
        # the interpreter exits aborts the process (see demo._stop_stand_in). Collected before stopping, because a
        # thread leaves enumerate() before its cursors are gone; only ours end, since only our server's loop closes.
        workers = [t for t in threading.enumerate() if t.daemon and hasattr(getattr(t, "loop", None), "is_closed")]
    for worker in workers:
        if worker.loop.is_closed():
            worker.join(timeout=5)


@pytest.fixture
def traffic(counted_workspace) -> Traffic:
    before = counted_workspace.faults.as_dict()
    counted_workspace.traffic.reset()
    yield counted_workspace.traffic
    counted_workspace.faults.update(before)


def query_db(ws: LocalWorkspace, sql: str, params: list | None = None) -> list[tuple]:
    """Reads the stand-in's own tables (on a cursor of the test's thread)."""
    cur = ws.state.db.cursor()
    try:
        return cur.execute(sql, params or []).fetchall()
    finally:
        cur.close()
