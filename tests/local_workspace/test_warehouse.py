"""The stand-in's SQL warehouse, driven by the real databricks-sql-connector over its default Thrift backend.

The database is a small hand-written DuckDB file (the DDL plus a few rows), so every expectation follows from the rows
defined here; nothing is mocked on either side of the wire.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import httpx
import numpy as np
import pyarrow as pa
import pytest
from databricks import sql
from databricks.sql import exc
from databricks.sql.parameters import (
    BigIntegerParameter,
    DateParameter,
    DecimalParameter,
    TimestampParameter,
    VoidParameter,
)

from gql_monitor.local_workspace.server import LocalWorkspace
from gql_monitor.local_workspace.state import DDL
from gql_monitor.local_workspace.thrift_results import ROWS_PER_BATCH, ResultSet
from stand_in_traffic import count_traffic

UTC = timezone.utc
PERMISSION_ERROR = ("[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have USE SCHEMA on Schema "
                    "'system.{}'. SQLSTATE: 42501")


def _write_database(path: str) -> None:
    con = duckdb.connect(path)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(DDL)
    con.execute("INSERT INTO workspace_state.meta VALUES ('home_workspace_id', '1001'), "
                "('now_ms', '1704196800000'), ('account_id', 'acc-1')")
    con.execute("INSERT INTO workspace_state.jobs (job_id, creator_user_name) VALUES (7, 'admin@example.com')")
    con.execute("""
        INSERT INTO billing.usage (account_id, workspace_id, record_id, sku_name, cloud, usage_start_time,
                                   usage_end_time, usage_date, custom_tags, usage_unit, usage_quantity,
                                   usage_metadata, record_type, product_features) VALUES
          ('acc-1', '1001', 'r1', 'JOBS', 'AWS', TIMESTAMPTZ '2024-01-02 10:00:00', TIMESTAMPTZ '2024-01-02 11:00:00',
           DATE '2024-01-02', MAP {'team': 'data', 'env': 'prod'}, 'DBU', 0.150000000000000000,
           {'job_id': '7', 'job_run_id': '70'}, 'ORIGINAL', {'is_serverless': false}),
          ('acc-1', '1001', 'r2', 'JOBS', 'AWS', TIMESTAMPTZ '2024-01-02 11:00:00', TIMESTAMPTZ '2024-01-02 12:00:00',
           DATE '2024-01-02', MAP {}, 'DBU', 1234.500000000000000001, {'job_id': '8', 'job_run_id': '80'},
           'ORIGINAL', {'is_serverless': true}),
          ('acc-1', '1002', 'r3', 'ALL_PURPOSE', 'AWS', TIMESTAMPTZ '2024-01-03 00:00:00',
           TIMESTAMPTZ '2024-01-03 01:00:00', DATE '2024-01-03', NULL, 'DBU', -0.333333333333333333, NULL,
           'RETRACTION', NULL)
    """)
    con.execute("""
        INSERT INTO billing.list_prices (account_id, price_start_time, price_end_time, sku_name, cloud, currency_code,
                                         usage_unit, pricing) VALUES
          ('acc-1', TIMESTAMPTZ '2023-01-01', NULL, 'JOBS', 'AWS', 'USD', 'DBU',
           {'default': 0.15, 'promotional': {'default': 0.1}, 'effective_list': {'default': 0.15}})
    """)
    con.execute("""
        INSERT INTO lakeflow.jobs (account_id, workspace_id, job_id, name, tags, change_time, paused) VALUES
          ('acc-1', '1001', '7', 'Nightly ETL', MAP {'owner': 'data'}, TIMESTAMPTZ '2024-01-01 00:00:00', false)
    """)
    con.execute("""
        INSERT INTO lakeflow.job_run_timeline (workspace_id, job_id, run_id, period_start_time, period_end_time,
                                               result_state, compute_ids, job_parameters) VALUES
          ('1001', '7', '70', TIMESTAMPTZ '2024-01-02 10:00:00', TIMESTAMPTZ '2024-01-02 10:45:30', 'SUCCEEDED',
           ['c-1', 'c-2'], MAP {'env': 'prod'})
    """)
    con.close()


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("warehouse") / "hand.duckdb")
    _write_database(path)
    ws = LocalWorkspace(db_path=path, port=0)
    count_traffic(ws)  # ws.traffic: what reached the stand-in, per path and status
    with ws:
        yield ws


@pytest.fixture
def faults(stand_in):
    before = stand_in.faults.as_dict()
    yield stand_in.faults
    stand_in.faults.update(before)


def connect(ws: LocalWorkspace, token: str = "local-admin", warehouse_id: str = "local", **kwargs):
    path = f"/sql/1.0/warehouses/{warehouse_id}"
    options = dict(_retry_stop_after_attempts_count=2, _retry_delay_max=0.5)
    options.update(kwargs)
    return sql.connect(server_hostname="127.0.0.1", http_path=path, _connection_uri=ws.base_url + path,
                       access_token=token, enable_telemetry=False, **options)


@pytest.fixture(scope="module")
def admin(stand_in):
    with connect(stand_in) as conn:
        yield conn


def query(conn, statement: str, params=None) -> list:
    with conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall()


def query_arrow(conn, statement: str, params=None) -> pa.Table:
    with conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall_arrow()


# --- types --------------------------------------------------------------------------------------------------------


def test_decimals_round_trip_exactly(admin):
    [row] = query(admin, "SELECT usage_quantity FROM system.billing.usage WHERE record_id = 'r1'")
    assert row.usage_quantity == Decimal("0.150000000000000000")
    assert str(row.usage_quantity) == "0.150000000000000000"
    [row] = query(admin, "SELECT sum(usage_quantity) AS total FROM system.billing.usage")
    assert str(row.total) == "1234.316666666666666668"


def test_decimal_products_have_databricks_type(admin):
    with admin.cursor() as cur:
        cur.execute("SELECT sum(u.usage_quantity * p.pricing.default) AS cost FROM system.billing.usage u "
                    "JOIN system.billing.list_prices p ON p.sku_name = u.sku_name")
        assert cur.description[0][1:] == ("decimal", None, None, 38, 6, None)
        assert cur.fetchone().cost == Decimal("185.197500")


def test_timestamps_are_utc_aware(admin):
    [row] = query(admin, "SELECT usage_start_time, date_trunc('HOUR', usage_end_time) AS hour, usage_date "
                         "FROM system.billing.usage WHERE record_id = 'r1'")
    assert row.usage_start_time == datetime(2024, 1, 2, 10, tzinfo=UTC)
    assert row.usage_start_time.utcoffset() == timedelta(0)
    assert row.hour.tzinfo is not None and row.hour == datetime(2024, 1, 2, 11, tzinfo=UTC)
    assert row.usage_date == date(2024, 1, 2)
    [value] = query_arrow(admin, "SELECT usage_start_time FROM system.billing.usage WHERE record_id = 'r1'").to_pylist()
    assert value["usage_start_time"] == datetime(2024, 1, 2, 10, tzinfo=UTC)


def test_the_sql_clock_is_the_workspaces_now(admin):
    """current_timestamp() and friends read workspace_state.meta now_ms (written above), not the machine's clock."""
    now = datetime.fromtimestamp(1704196800000 / 1000, tz=UTC)
    [row] = query(admin, "SELECT current_timestamp() AS ts, now() AS n, current_date() AS d, unix_timestamp() AS u, "
                         "count_if(usage_start_time < now()) AS before_now FROM system.billing.usage")
    assert row.ts == row.n == now
    assert row.d == now.date() and row.u == int(now.timestamp())
    assert row.before_now == 2  # r1 and r2 started before 2024-01-02 12:00 UTC, r3 after


ZONED = ("SELECT current_timezone() AS zone, usage_start_time AS ts, CAST(usage_start_time AS DATE) AS day, "
         "date_trunc('DAY', usage_start_time) AS midnight, current_date() AS today, "
         "TIMESTAMP'2024-01-02 00:00:00' AS written FROM system.billing.usage WHERE record_id = 'r1'")


@pytest.mark.parametrize("default_zone, session_zone, zone, offset", [
    ("UTC", None, "UTC", 0),
    ("Pacific/Kiritimati", None, "Pacific/Kiritimati", 14),
    ("Pacific/Kiritimati", "America/Los_Angeles", "America/Los_Angeles", -8),
    ("America/Los_Angeles", "UTC", "UTC", 0),
])
def test_the_session_time_zone_is_the_sessions_else_the_warehouses_default(stand_in, faults, default_zone,
                                                                            session_zone, zone, offset):
    """Dates of instants, truncation to days, today and timestamps written without an offset follow the session's
    zone, as on Databricks; instants stay instants."""
    faults.update({"session_time_zone": default_zone})
    options = {"session_configuration": {"TIMEZONE": session_zone}} if session_zone else {}
    with connect(stand_in, **options) as conn:
        [row] = query(conn, ZONED)
    shift = timedelta(hours=offset)
    start = datetime(2024, 1, 2, 10, tzinfo=UTC)  # r1
    workspace_now = datetime(2024, 1, 2, 12, tzinfo=UTC)  # meta now_ms
    assert row.zone == zone
    assert row.ts == start
    assert row.day == (start + shift).date()
    assert row.midnight == datetime.combine((start + shift).date(), datetime.min.time(), tzinfo=UTC) - shift
    assert row.today == (workspace_now + shift).date()
    assert row.written == datetime(2024, 1, 2, tzinfo=UTC) - shift


def test_an_unknown_session_time_zone_is_refused(stand_in, faults):
    with pytest.raises(exc.Error, match="INVALID_CONF_VALUE"):
        connect(stand_in, session_configuration={"TIMEZONE": "Mars/Olympus_Mons"})
    response = httpx.post(f"{stand_in.base_url}/_local/faults", json={"session_time_zone": "Europe/Atlantis"})
    assert response.status_code == 400 and "time zone" in response.json()["message"]
    assert faults.session_time_zone == "UTC"


def test_structs_maps_and_arrays(admin):
    statement = ("SELECT usage_metadata, custom_tags, product_features.is_serverless AS serverless, "
                 "array('a', 'b') AS letters FROM system.billing.usage WHERE record_id = 'r1'")
    [row] = query(admin, statement)
    assert row.usage_metadata["job_id"] == "7" and row.usage_metadata["job_run_id"] == "70"
    assert sorted(row.custom_tags) == [("env", "prod"), ("team", "data")]
    assert row.serverless is False
    assert isinstance(row.letters, np.ndarray) and list(row.letters) == ["a", "b"]
    [as_arrow] = query_arrow(admin, statement).to_pylist()
    assert as_arrow["letters"] == ["a", "b"]
    assert sorted(as_arrow["custom_tags"]) == [("env", "prod"), ("team", "data")]
    assert as_arrow["usage_metadata"]["job_id"] == "7"


def test_description_uses_databricks_type_names(admin):
    with admin.cursor() as cur:
        cur.execute("SELECT 1 AS i, CAST(1 AS BIGINT) AS b, 1.5D AS d, 'x' AS s, true AS t, DATE'2024-01-01' AS dt, "
                    "TIMESTAMP'2024-01-01 00:00:00' AS ts, array(1) AS a, map('k', 1) AS m, named_struct('x', 1) "
                    "AS st, NULL AS n, count(*) AS c")
        assert [d[1] for d in cur.description] == ["int", "bigint", "double", "string", "boolean", "date",
                                                   "timestamp", "array", "map", "struct", "null", "bigint"]
        row = cur.fetchone()
        assert row.n is None and row.c == 1


def test_large_result_arrives_complete(admin):
    with admin.cursor() as cur:
        cur.execute("SELECT id FROM range(0, 250000)")
        ids = cur.fetchall_arrow().column("id").to_numpy()
    assert len(ids) == 250_000 and ids[0] == 0 and ids[-1] == 249_999
    assert (np.diff(ids) == 1).all()
    with admin.cursor(arraysize=30_000) as cur:
        cur.execute("SELECT id, concat('row-', id) AS label FROM range(0, 100000) ORDER BY id")
        first = cur.fetchmany(70_000)
        rest = cur.fetchall()
    assert [r.id for r in first + rest] == list(range(100_000))
    assert rest[-1].label == "row-99999"


def test_result_pages_are_cut_into_several_arrow_batches():
    result = ResultSet.from_arrays(["id"], [pa.array(range(2 * ROWS_PER_BATCH + 5), pa.int64())])
    page = result.next_page(max_rows=ROWS_PER_BATCH + 10, max_bytes=None)
    assert [b.rowCount for b in page.arrowBatches] == [ROWS_PER_BATCH, 10]
    assert page.startRowOffset == 0 and not result.exhausted
    page = result.next_page(max_rows=None, max_bytes=None)
    assert page.startRowOffset == ROWS_PER_BATCH + 10 and result.exhausted


# --- parameters ---------------------------------------------------------------------------------------------------


def test_named_parameters_of_each_type(admin):
    params = {"i": 41, "big": 2 ** 40, "s": "it's", "dec": Decimal("0.15"), "dbl": 0.25, "flag": True,
              "day": date(2024, 1, 2), "ts": datetime(2024, 1, 2, 10, 30, tzinfo=UTC), "nothing": None}
    with admin.cursor() as cur:
        cur.execute("SELECT :i + 1 AS i, :big AS big, :s AS s, :dec AS dec, :dbl AS dbl, :flag AS flag, "
                    ":day AS day, :ts AS ts, :nothing AS nothing", params)
        row = cur.fetchone()
        types = [d[1] for d in cur.description]
    assert (row.i, row.big, row.s, row.dec, row.dbl, row.flag) == (42, 2 ** 40, "it's", Decimal("0.15"), 0.25, True)
    assert (row.day, row.ts, row.nothing) == (date(2024, 1, 2), datetime(2024, 1, 2, 10, 30, tzinfo=UTC), None)
    assert types[:8] == ["int", "bigint", "string", "decimal", "double", "boolean", "date", "timestamp"]


def test_explicitly_typed_parameters(admin):
    [row] = query(admin, "SELECT :b AS b, :d AS d, :t AS t, :dt AS dt, :v AS v", [
        BigIntegerParameter(name="b", value=7),
        DecimalParameter(name="d", value=Decimal("12.345")),
        TimestampParameter(name="t", value=datetime(2024, 1, 2, 12, tzinfo=timezone(timedelta(hours=2)))),
        DateParameter(name="dt", value=date(2024, 2, 29)),
        VoidParameter(name="v", value=None),
    ])
    assert (row.b, row.d, row.dt, row.v) == (7, Decimal("12.345"), date(2024, 2, 29), None)
    assert row.t == datetime(2024, 1, 2, 10, tzinfo=UTC)


def test_list_parameter_binds_to_array_contains(admin):
    rows = query(admin, "SELECT record_id FROM system.billing.usage WHERE array_contains(:jobs, "
                        "usage_metadata.job_id) ORDER BY record_id", {"jobs": ["7", "8", "nope"]})
    assert [r.record_id for r in rows] == ["r1", "r2"]
    [row] = query(admin, "SELECT array_contains(:ids, 2) AS two, array_contains(:ids, 5) AS five", {"ids": [1, 2, 3]})
    assert (row.two, row.five) == (True, False)


def test_positional_parameters(admin):
    [row] = query(admin, "SELECT ? + ? AS total", [1, 2])
    assert row.total == 3


@pytest.mark.parametrize("attack", ["x' OR '1'='1", "'; DROP TABLE billing.usage; --",
                                    "r1' UNION SELECT * FROM workspace_state.meta --"])
def test_injection_in_a_string_parameter_stays_data(admin, attack):
    rows = query(admin, "SELECT count(*) AS n FROM system.billing.usage WHERE record_id = :r", {"r": attack})
    assert rows[0].n == 0
    assert query(admin, "SELECT :r AS echoed", {"r": attack})[0].echoed == attack
    assert query(admin, "SELECT count(*) AS n FROM system.billing.usage")[0].n == 3


# --- what a statement may read ------------------------------------------------------------------------------------


def test_system_prefix_is_required_and_rewritten(admin):
    assert query(admin, "SELECT count(*) AS n FROM system.lakeflow.jobs")[0].n == 1
    with pytest.raises(exc.ServerOperationError, match=r"TABLE_OR_VIEW_NOT_FOUND.*`billing`\.`usage`"):
        query(admin, "SELECT count(*) FROM billing.usage")


def test_session_catalog_resolves_short_names(stand_in):
    with connect(stand_in, catalog="system", schema="lakeflow") as conn:
        assert query(conn, "SELECT name FROM jobs")[0].name == "Nightly ETL"


@pytest.mark.parametrize("statement", ["SELECT * FROM system.workspace_state.jobs",
                                       "SELECT value FROM workspace_state.meta",
                                       "SELECT * FROM system.lakeflow.jobs j JOIN system.workspace_state.runs r "
                                       "ON j.job_id = CAST(r.job_id AS STRING)"])
def test_the_private_schema_is_refused(admin, statement):
    with pytest.raises(exc.ServerOperationError, match="workspace_state") as raised:
        query(admin, statement)
    assert "TABLE_OR_VIEW_NOT_FOUND" in str(raised.value)


@pytest.mark.parametrize("statement", ["DROP TABLE system.billing.usage", "SELECT * FROM read_csv('/etc/hosts')"])
def test_nothing_but_queries_of_system_tables_runs(admin, statement):
    with pytest.raises(exc.ServerOperationError):
        query(admin, statement)
    assert query(admin, "SELECT count(*) AS n FROM system.billing.usage")[0].n == 3


# --- identities and grants ----------------------------------------------------------------------------------------


def test_bad_token_is_refused_without_retrying(stand_in):
    path = "/sql/1.0/warehouses/local"
    before = stand_in.traffic.calls[path]
    with pytest.raises(exc.RequestError, match="Invalid access token"):
        connect(stand_in, token="not-a-token", _retry_stop_after_attempts_count=5)
    assert stand_in.traffic.calls[path] - before == 1  # one OpenSession, refused for good with a 401


@pytest.mark.parametrize("authorization", [None, "Basic bG9jYWwtYWRtaW46eA==", "Bearer local-admin-typo"])
def test_missing_token_is_http_401_with_the_thrift_error_header(stand_in, authorization):
    headers = {"Content-Type": "application/x-thrift"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = httpx.post(stand_in.base_url + "/sql/1.0/warehouses/local", content=b"", headers=headers)
    assert response.status_code == 401
    assert "Invalid access token" in response.headers["x-thriftserver-error-message"]


def test_analyst_may_use_the_warehouse_but_not_the_system_tables(stand_in):
    with connect(stand_in, token="local-analyst") as conn:
        assert query(conn, "SELECT 1 AS one")[0].one == 1
        with pytest.raises(exc.ServerOperationError) as raised:
            query(conn, "SELECT * FROM system.lakeflow.jobs j JOIN system.billing.usage u ON 1 = 1")
        assert str(raised.value) == PERMISSION_ERROR.format("lakeflow")
        with pytest.raises(exc.DatabaseError, match=r"on Schema 'system\.billing'"):
            query(conn, "WITH u AS (SELECT * FROM system.billing.usage) SELECT * FROM system.compute.clusters, u")
        assert query(conn, "SELECT :x AS x", {"x": "still usable"})[0].x == "still usable"


def test_a_session_belongs_to_its_token(stand_in, admin):
    with connect(stand_in, token="local-analyst") as conn:
        assert query(conn, "SELECT 2 AS two")[0].two == 2
    assert query(admin, "SELECT 3 AS three")[0].three == 3


def test_unknown_warehouse_is_an_error(stand_in):
    with pytest.raises(exc.RequestError, match="RESOURCE_DOES_NOT_EXIST"):
        connect(stand_in, warehouse_id="0123456789abcdef")


# --- errors and the statement log ---------------------------------------------------------------------------------


@pytest.mark.parametrize("statement, error_class", [
    ("SELECT no_such_column FROM system.billing.usage", "UNRESOLVED_COLUMN"),
    ("SELEC 1", "PARSE_SYNTAX_ERROR"),
    ("SELECT sum(usage_quantity) / 0 FROM system.billing.usage", "DIVIDE_BY_ZERO"),
    ("SELECT :never_bound", "UNBOUND_SQL_PARAMETER"),
])
def test_failed_statement_names_the_problem_and_the_statement(admin, statement, error_class):
    with pytest.raises(exc.ServerOperationError) as raised:
        query(admin, statement)
    message = str(raised.value)
    assert message.startswith(f"[{error_class}]")
    assert statement[:20] in message
    assert query(admin, "SELECT 1 AS ok")[0].ok == 1


def test_every_statement_is_logged_before_it_runs(stand_in, admin):
    query(admin, "SELECT :w AS w", {"w": "1001"})
    with pytest.raises(exc.ServerOperationError):
        query(admin, "SELECT broken FROM system.billing.usage WHERE workspace_id = :w", {"w": "1002"})
    *_, ok, failed = stand_in.state.statements
    assert (ok.user_name, ok.statement, ok.parameters) == ("admin@example.com", "SELECT :w AS w", {"w": "1001"})
    assert failed.statement.startswith("SELECT broken") and failed.parameters == {"w": "1002"}


# --- protocol paths ----------------------------------------------------------------------------------------------


def test_async_execution_and_polling(admin):
    with admin.cursor() as cur:
        cur.execute_async("SELECT count(*) AS n FROM system.billing.usage")
        deadline = time.monotonic() + 10
        while cur.is_query_pending():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        cur.get_async_execution_result()
        assert cur.fetchall()[0].n == 3


def test_async_failure_surfaces_when_polled_and_cancel_is_accepted(admin):
    with admin.cursor() as cur:
        cur.execute_async("SELECT missing_column FROM system.billing.usage")
        with pytest.raises(exc.ServerOperationError, match=r"^\[UNRESOLVED_COLUMN\].*SELECT missing_column"):
            cur.is_query_pending()
    with admin.cursor() as cur:
        cur.execute_async("SELECT id FROM range(0, 10)")
        cur.cancel()


def test_catalog_metadata(admin):
    with admin.cursor() as cur:
        cur.schemas(catalog_name="system")
        assert [r.TABLE_SCHEM for r in cur.fetchall()] == ["billing", "lakeflow", "compute", "access"]
        cur.tables(catalog_name="system", schema_name="billing")
        assert sorted(r.TABLE_NAME for r in cur.fetchall()) == ["list_prices", "usage"]
        cur.columns(catalog_name="system", schema_name="billing", table_name="usage", column_name="usage_quantity")
        assert [r.TYPE_NAME for r in cur.fetchall()] == ["DECIMAL(38, 18)"]


def test_concurrent_connections(stand_in):
    def work(n: int) -> int:
        with connect(stand_in) as conn:
            return sum(row.v for row in query(conn, "SELECT :n + id AS v FROM range(0, 1000)", {"n": n}))

    with ThreadPoolExecutor(8) as pool:
        totals = list(pool.map(work, range(16)))
    assert totals == [1000 * n + 499_500 for n in range(16)]


# --- faults -------------------------------------------------------------------------------------------------------


def test_statement_latency_fault(admin, faults):
    faults.update({"statement_latency_ms": 400})
    before = faults.injected()
    assert query(admin, "SELECT 1 AS one")[0].one == 1
    assert faults.injected() - before == {"statement_latency_ms": 400}  # once: the statement, not its fetches
    faults.update({"statement_latency_ms": 0})
    before = faults.injected()
    assert query(admin, "SELECT 1 AS one")[0].one == 1
    assert faults.injected() == before


def test_cold_warehouse_fails_when_the_client_gives_up_early(stand_in, faults):
    faults.update({"warehouse_cold_start_seconds": 60})
    before = faults.injected()
    with pytest.raises(exc.RequestError, match="max retry duration"):
        connect(stand_in, _retry_stop_after_attempts_duration=2)
    # Given up at once: the connector waits at least `_retry_delay_max` (which it bounds below by 5 s) before
    # retrying, and a wait that would pass the 2 s budget is not begun.
    assert faults.injected() - before == {"warehouse_503": 1}


def test_cold_warehouse_answers_once_it_has_started(stand_in, faults):
    faults.update({"warehouse_cold_start_seconds": 1.0})
    before = faults.injected()
    # The connector waits at least _retry_delay_max (bounded below by 5 s) before retrying a 503.
    with connect(stand_in, _retry_stop_after_attempts_count=3, _retry_stop_after_attempts_duration=20) as conn:
        assert query(conn, "SELECT 1 AS one")[0].one == 1
    # Refused while starting, then served: the connector came back after the 503.
    assert (faults.injected() - before)["warehouse_503"] >= 1


def test_faults_are_read_on_every_request(stand_in, faults):
    with connect(stand_in, _retry_stop_after_attempts_duration=2) as conn:
        faults.update({"warehouse_cold_start_seconds": 60})
        with pytest.raises(exc.RequestError):
            query(conn, "SELECT 1")
        faults.update({"warehouse_cold_start_seconds": 0})
        assert query(conn, "SELECT 1 AS one")[0].one == 1


def test_threads_do_not_share_duckdb_cursors(stand_in):
    # Starlette runs each request on a pool thread; the warehouse takes the thread's own cursor from the state.
    seen = set()
    lock = threading.Lock()
    original = stand_in.state.cursor

    def spy(*args, **kwargs):
        cur = original(*args, **kwargs)
        with lock:
            seen.add((threading.get_ident(), id(cur)))
        return cur

    def one_statement(_):
        with connect(stand_in) as conn:
            return query(conn, "SELECT 1 AS one")

    stand_in.state.cursor = spy
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(one_statement, range(8)))
    finally:
        del stand_in.state.cursor
    by_thread = {}
    for thread, cursor in seen:
        by_thread.setdefault(thread, set()).add(cursor)
    assert all(len(cursors) == 1 for cursors in by_thread.values())
    assert len({c for cs in by_thread.values() for c in cs}) == len(by_thread)


# --- fidelity: statements that run on a Databricks warehouse run here, with Databricks' answers --------------------
# Against the generated workspace (thousands of rows); expectations are computed in Python from the rows DuckDB holds.


def _generated(workspace, statement: str, params=None) -> list:
    cur = workspace.state.db.cursor()
    cur.execute("SET TimeZone = 'UTC'")
    return cur.execute(statement, params or []).fetchall()


def _hive_interval(delta: timedelta) -> str:
    """A day-time interval as Databricks' Thrift results spell it (Hive style): `[-]D HH:MM:SS.nnnnnnnnn`."""
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    sign, micros = ("-" if micros < 0 else ""), abs(micros)
    seconds, micros = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    return f"{sign}{days} {hour:02d}:{minute:02d}:{second:02d}.{micros * 1000:09d}"


@pytest.fixture(scope="module")
def generated(workspace):
    with connect(workspace) as conn:
        yield conn


def test_timestamp_differences_sum_to_an_interval(workspace, generated):
    slices = _generated(workspace, "SELECT job_id, period_start_time, period_end_time "
                                   "FROM lakeflow.job_run_timeline")
    assert len(slices) > 1000
    total = sum((end - start for _, start, end in slices), timedelta(0))
    per_job: dict[str, timedelta] = {}
    for job_id, start, end in slices:
        per_job[job_id] = per_job.get(job_id, timedelta(0)) + (end - start)
    [row] = query(generated, "SELECT sum(period_end_time - period_start_time) AS total, "
                             "sum(period_end_time - period_start_time) FILTER (WHERE job_id IS NOT NULL) AS filtered "
                             "FROM system.lakeflow.job_run_timeline")
    assert row.total == row.filtered == _hive_interval(total)
    rows = query(generated, "SELECT job_id, sum(period_end_time - period_start_time) AS busy "
                            "FROM system.lakeflow.job_run_timeline GROUP BY job_id")
    assert {r.job_id: r.busy for r in rows} == {job: _hive_interval(d) for job, d in per_job.items()}


def test_sums_of_decimal_products_over_many_rows_keep_databricks_precision(workspace, generated):
    """usage_quantity DECIMAL(38,18) times a DECIMAL(38,18) price is DECIMAL(38,6) on Databricks (precision capped at
    38, scale given up down to 6, each product rounded half-up), and so is its sum; DuckDB's own typing would make
    the product DECIMAL(38,36) and overflow at 100."""
    rows = _generated(workspace, """
        SELECT u.usage_quantity, coalesce(p.pricing.effective_list."default", p.pricing."default")
        FROM billing.usage u JOIN billing.list_prices p
          ON p.sku_name = u.sku_name AND p.cloud = u.cloud AND p.usage_unit = u.usage_unit
         AND u.usage_start_time >= p.price_start_time
         AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)""")
    assert len(rows) > 1000
    micro = Decimal("0.000001")
    scale = Decimal(1_000_000)
    products = [(q * price).quantize(micro, rounding=ROUND_HALF_UP) for q, price in rows]
    scaled = [(p * scale).quantize(micro, rounding=ROUND_HALF_UP) for p in products]
    assert max(scaled) >= 100, "products past DuckDB's DECIMAL(38,36) range, or the test proves nothing"
    statement = """
        SELECT sum(u.usage_quantity * coalesce(p.pricing.effective_list.`default`, p.pricing.`default`)) AS cost,
               sum(u.usage_quantity * coalesce(p.pricing.effective_list.`default`, p.pricing.`default`) * :scale)
                 AS micro_cost
        FROM system.billing.usage u JOIN system.billing.list_prices p
          ON p.sku_name = u.sku_name AND p.cloud = u.cloud AND p.usage_unit = u.usage_unit
         AND u.usage_start_time >= p.price_start_time
         AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)"""
    with generated.cursor() as cur:
        cur.execute(statement, [DecimalParameter(name="scale", value=Decimal("1000000.000000000000000000"))])
        assert [d[1:6] for d in cur.description] == [("decimal", None, None, 38, 6)] * 2
        row = cur.fetchone()
    assert row.cost == sum(products)
    assert row.micro_cost == sum(scaled)


def test_timestamp_columns_compare_with_string_parameters(workspace, generated):
    start, end = "2026-11-14 06:00:00", "2026-11-16T18:30:00+00:00"
    expected = _generated(workspace, "SELECT count(*) FROM lakeflow.job_run_timeline WHERE period_start_time >= ? "
                                     "AND period_start_time < ?",
                          [datetime(2026, 11, 14, 6, tzinfo=UTC), datetime(2026, 11, 16, 18, 30, tzinfo=UTC)])[0][0]
    day = _generated(workspace, "SELECT count(*) FROM billing.usage WHERE usage_date = ?", [date(2026, 11, 15)])[0][0]
    assert expected > 0 and day > 0
    [row] = query(generated, "SELECT count(*) AS n FROM system.lakeflow.job_run_timeline "
                             "WHERE period_start_time >= :s AND :e > period_start_time", {"s": start, "e": end})
    assert row.n == expected
    [row] = query(generated, "SELECT count(*) AS n FROM system.lakeflow.job_run_timeline "
                             "WHERE period_start_time BETWEEN :s AND :e AND period_start_time <> :e",
                  {"s": start, "e": end})
    assert row.n == expected
    [row] = query(generated, "SELECT count(*) AS n FROM system.billing.usage WHERE usage_date = :d",
                  {"d": "2026-11-15"})
    assert row.n == day
    with pytest.raises(exc.ServerOperationError, match="CAST_INVALID_INPUT"):
        query(generated, "SELECT count(*) FROM system.lakeflow.job_run_timeline WHERE period_start_time >= :s",
              {"s": "last tuesday"})


@pytest.mark.parametrize("value", ["yes", 1, None, [True]])
def test_the_pause_fault_takes_only_true_or_false(stand_in, faults, value):
    response = httpx.post(f"{stand_in.base_url}/_local/faults", json={"warehouse_paused": value})
    assert response.status_code == 400 and "true or false" in response.json()["message"]
    assert faults.warehouse_paused is False
