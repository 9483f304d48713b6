"""A warehouse whose default session time zone is not UTC: the monitor pins UTC per session, so costs at window edges
equal the UTC truth. `_priced_usage.sql` narrows by `usage_date` with `CAST(:usage_start AS DATE)`, which a session
in another zone computes in that zone: ahead of UTC (Kiritimati, +14) the start date moves forward and drops the
start of the window; behind it (Los Angeles, -8) the end date moves back and drops the end."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from databricks import sql as dbsql

from conftest import NOW, RunningMonitor, gql, monitor_settings
from helpers import amount, cents, priced_usage_rows, truth

from gql_monitor.sources import sql_files
from gql_monitor.visibility.scope import ALL_JOBS

ZONES = ["Pacific/Kiritimati", "America/Los_Angeles"]
# A window that starts late in a UTC day and ends early in one, so both edges cross a date line in either zone.
START = datetime.combine((NOW - timedelta(days=6)).date(), time(12), tzinfo=timezone.utc)
END = datetime.combine((NOW - timedelta(days=2)).date(), time(3), tzinfo=timezone.utc)
COSTS = """query($w: TimeWindowInput!) { costs(window: $w, groupBy: SKU) { total { amount }
           groups { key cost { dbus listCost { amount } } } } }"""


@pytest.fixture(params=ZONES)
def warehouse_zone(request, faults):
    faults.update({"session_time_zone": request.param})
    return request.param


def _edge_usage(workspace) -> tuple[int, int]:
    """Usage rows in the start day after START and in the end day before END: what a zone-shifted date drops."""
    def count(lo, hi):
        return truth(workspace, "SELECT count(*) FROM billing.usage WHERE usage_start_time >= ? "
                                "AND usage_start_time < ?", [lo, hi])[0][0]
    start_day_end = datetime.combine(START.date() + timedelta(days=1), time(0), tzinfo=timezone.utc)
    end_day_start = datetime.combine(END.date(), time(0), tzinfo=timezone.utc)
    return count(START, start_day_end), count(end_day_start, END)


def test_costs_at_window_edges_equal_the_utc_truth_whatever_the_warehouse_zone(workspace, warehouse_zone):
    assert all(_edge_usage(workspace)), "usage at both edges, or the test proves nothing"
    rows = priced_usage_rows(workspace, START, END)
    window = {"start": START.isoformat(), "end": END.isoformat()}
    with RunningMonitor(monitor_settings(workspace)) as mon, mon.client() as client:
        data = gql(client, COSTS, {"w": window})["data"]["costs"]
    assert cents(data["total"]["amount"]) == cents(amount(rows))
    dbus = sum((q for q, _ in rows), 0)
    assert sum(float(g["cost"]["dbus"]) for g in data["groups"]) == pytest.approx(float(dbus), abs=1e-6)


def _priced_usage_count(workspace, **connect_options) -> int:
    """The product's own narrowing (`_priced_usage.sql`) through the real connector, counted."""
    statement = "WITH " + sql_files.load("_priced_usage") + " SELECT count(*) AS n FROM priced_usage"
    path = workspace.warehouse_http_path
    with dbsql.connect(server_hostname="127.0.0.1", http_path=path, _connection_uri=workspace.base_url + path,
                       access_token="local-admin", enable_telemetry=False, **connect_options) as conn:
        with conn.cursor() as cur:
            cur.execute(statement, {"usage_start": START, "usage_end": END, "job_keys": None, "run_keys": None,
                                    **ALL_JOBS.params()})
            return cur.fetchone().n


def test_without_the_utc_pin_the_warehouse_zone_drops_usage_at_an_edge(workspace, warehouse_zone):
    """Why the monitor pins UTC: the same statement in a session that keeps the warehouse's zone loses rows."""
    expected = truth(workspace, "SELECT count(*) FROM billing.usage WHERE usage_start_time >= ? "
                                "AND usage_start_time < ?", [START, END])[0][0]
    unpinned = _priced_usage_count(workspace)
    pinned = _priced_usage_count(workspace, session_configuration={"TIMEZONE": "UTC"})
    assert pinned == expected
    assert unpinned < expected
    start_edge, end_edge = _edge_usage(workspace)
    assert expected - unpinned == (start_edge if warehouse_zone == "Pacific/Kiritimati" else end_edge)
