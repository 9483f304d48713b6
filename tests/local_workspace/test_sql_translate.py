"""Databricks SQL to DuckDB: each translation is run on DuckDB and must give Databricks' answer.

The expected values are what Databricks returns for the same statement (Spark semantics), not whatever DuckDB
happens to return for the untranslated text; several of them differ from DuckDB's own functions of the same name.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import duckdb
import pytest

from gql_monitor.local_workspace.sql_translate import CLOCK_PARAMETER, SqlError, Translator, register_decimal_function
from gql_monitor.local_workspace.state import DDL

UTC = timezone.utc
# The workspace's "now" the warehouse binds for the clock functions.
WORKSPACE_NOW = datetime(2024, 1, 2, 23, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def db():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(DDL)
    con.execute("""
        INSERT INTO billing.usage (account_id, workspace_id, record_id, sku_name, usage_start_time, usage_date,
                                   custom_tags, usage_quantity, usage_metadata) VALUES
          ('a', '1001', 'r1', 'JOBS', TIMESTAMPTZ '2024-01-02 10:00:00', DATE '2024-01-02', MAP {'team': 'data'},
           0.150000000000000000, {'job_id': '7', 'job_run_id': '70'}),
          ('a', '1001', 'r2', 'JOBS', TIMESTAMPTZ '2024-01-02 11:00:00', DATE '2024-01-02', MAP {},
           1234.5, {'job_id': '8', 'job_run_id': '80'}),
          ('a', '1002', 'r3', 'ALL_PURPOSE', TIMESTAMPTZ '2024-01-03 00:30:00', DATE '2024-01-03', NULL,
           0.333333333333333333, NULL)
    """)
    con.execute("""
        INSERT INTO billing.list_prices (account_id, price_start_time, sku_name, currency_code, pricing) VALUES
          ('a', TIMESTAMPTZ '2023-01-01', 'JOBS', 'USD',
           {'default': 0.15, 'promotional': NULL, 'effective_list': NULL}),
          ('a', TIMESTAMPTZ '2023-01-01', 'ALL_PURPOSE', 'USD',
           {'default': 0.55, 'promotional': NULL, 'effective_list': NULL})
    """)
    con.execute("""
        INSERT INTO lakeflow.job_run_timeline (workspace_id, job_id, run_id, period_start_time, period_end_time,
                                               compute_ids, job_parameters) VALUES
          ('1001', '7', '70', TIMESTAMPTZ '2024-01-02 10:00:00', TIMESTAMPTZ '2024-01-02 10:45:30',
           ['c-2', 'c-1'], MAP {'env': 'prod'}),
          ('1001', '8', '80', TIMESTAMPTZ '2024-01-02 11:00:00', TIMESTAMPTZ '2024-01-02 11:00:59', [], NULL),
          ('1001', '9', '90', TIMESTAMPTZ '2024-01-02 12:00:00', TIMESTAMPTZ '2024-01-02 12:10:00', NULL, NULL)
    """)
    con.execute("INSERT INTO workspace_state.meta VALUES ('home_workspace_id', '1001')")
    yield con
    con.close()


@pytest.fixture(scope="module")
def translator(db):
    return Translator.for_database(db)


def run(db, translator, sql, types=None, values=None, **namespace):
    translation = translator.translate(sql, types or {}, **namespace)
    for function in translation.decimal_functions:
        register_decimal_function(db, function)
    values = dict(values or {})
    if CLOCK_PARAMETER in translation.parameters:
        values[CLOCK_PARAMETER] = WORKSPACE_NOW.isoformat()
    cursor = db.execute(translation.sql, values)
    return cursor.fetchall(), [str(d[1]) for d in cursor.description]


# (Databricks SQL, the rows Databricks returns)
SEMANTICS = [
    pytest.param("SELECT count(*) FROM system.billing.usage", [(3,)], id="system-prefix"),
    pytest.param("SELECT workspace_id, count(*) AS n FROM system.billing.usage GROUP BY ALL ORDER BY workspace_id",
                 [("1001", 2), ("1002", 1)], id="group-by-all"),
    pytest.param("SELECT record_id FROM system.billing.usage "
                 "QUALIFY row_number() OVER (PARTITION BY workspace_id ORDER BY usage_start_time DESC) = 1 "
                 "ORDER BY record_id", [("r2",), ("r3",)], id="qualify"),
    pytest.param("SELECT workspace_id, count(*) AS n FROM system.billing.usage GROUP BY ALL "
                 "QUALIFY rank() OVER (ORDER BY count(*) DESC) = 1", [("1001", 2)], id="group-by-all-with-qualify"),
    pytest.param("SELECT date_trunc('HOUR', TIMESTAMP'2024-01-02 10:35:12'), date_trunc('DAY', TIMESTAMP'2024-01-02 "
                 "10:35:12'), date_trunc(\"Hour\", TIMESTAMP'2024-01-02 10:35:12')",
                 [(datetime(2024, 1, 2, 10, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC),
                   datetime(2024, 1, 2, 10, tzinfo=UTC))], id="date-trunc"),
    pytest.param("SELECT percentile(x, 0.9), percentile_approx(x, 0.5), approx_percentile(x, 0.5, 100), "
                 "percentile_cont(0.5) WITHIN GROUP (ORDER BY x), median(x) FROM range(1, 11) AS t(x)",
                 [(9.1, 5, 5, 5.5, 5.5)], id="percentiles"),
    pytest.param("SELECT percentile(x, array(0.5, 0.9)) FROM range(1, 11) AS t(x)", [([5.5, 9.1],)],
                 id="percentile-of-several"),
    pytest.param("SELECT try_divide(10, 0), try_divide(10, 4), 10 / 4, 10 div 4", [(None, 2.5, 2.5, 2)],
                 id="try-divide"),
    pytest.param("SELECT unix_timestamp(TIMESTAMP'2024-01-01 00:00:01.700'), unix_timestamp('2024-01-01 00:00:01'), "
                 "unix_timestamp('2024/01/02', 'yyyy/MM/dd'), unix_timestamp() > 1700000000",
                 [(1704067201, 1704067201, 1704153600, True)], id="unix-timestamp"),
    pytest.param("SELECT timestampdiff(SECOND, TIMESTAMP'2024-01-01 00:00:00.9', TIMESTAMP'2024-01-01 00:00:01.1'), "
                 "timestampdiff(MINUTE, TIMESTAMP'2024-01-01 00:00:00', TIMESTAMP'2024-01-01 01:00:59'), "
                 "datediff(HOUR, TIMESTAMP'2024-01-01 00:59:00', TIMESTAMP'2024-01-01 01:01:00'), "
                 "date_diff(DAY, TIMESTAMP'2024-01-01 23:00:00', TIMESTAMP'2024-01-02 01:00:00')",
                 [(0, 60, 0, 0)], id="timestampdiff-counts-complete-units"),
    pytest.param("SELECT datediff(TIMESTAMP'2024-01-02 01:00:00', TIMESTAMP'2024-01-01 23:00:00'), "
                 "datediff(DATE'2024-03-01', DATE'2024-02-01'), datediff('2024-01-01', '2024-01-05')",
                 [(1, 29, -4)], id="datediff-counts-calendar-days"),
    pytest.param("SELECT sum(timestampdiff(SECOND, period_start_time, period_end_time)) "
                 "FROM system.lakeflow.job_run_timeline", [(2730 + 59 + 600,)], id="timestampdiff-on-columns"),
    pytest.param("SELECT current_timestamp(), now() - INTERVAL 1 DAY, current_date(), curdate(), unix_timestamp(), "
                 "localtimestamp()",
                 [(WORKSPACE_NOW, datetime(2024, 1, 1, 23, 30, tzinfo=UTC), date(2024, 1, 2), date(2024, 1, 2),
                   int(WORKSPACE_NOW.timestamp()), datetime(2024, 1, 2, 23, 30))],
                 id="clock-is-the-workspaces"),
    pytest.param("SELECT sum(period_end_time - period_start_time), avg(period_end_time - period_start_time), "
                 "sum(period_start_time - period_end_time) FILTER (WHERE job_id <> '9') "
                 "FROM system.lakeflow.job_run_timeline",
                 [(timedelta(seconds=2730 + 59 + 600), timedelta(seconds=(2730 + 59 + 600) / 3),
                   -timedelta(seconds=2730 + 59))], id="timestamp-differences-sum-to-intervals"),
    pytest.param("SELECT c FROM system.lakeflow.job_run_timeline LATERAL VIEW explode(compute_ids) t AS c "
                 "ORDER BY c", [("c-1",), ("c-2",)], id="lateral-view-explode"),
    pytest.param("SELECT explode(compute_ids) AS c FROM system.lakeflow.job_run_timeline ORDER BY c",
                 [("c-1",), ("c-2",)], id="explode"),
    pytest.param("SELECT run_id, c FROM system.lakeflow.job_run_timeline LATERAL VIEW OUTER explode(compute_ids) t "
                 "AS c ORDER BY run_id, c", [("70", "c-1"), ("70", "c-2"), ("80", None), ("90", None)],
                 id="lateral-view-outer-keeps-empty-arrays"),
    pytest.param("SELECT sort_array(collect_list(sku_name)), sort_array(collect_set(sku_name)) "
                 "FROM system.billing.usage", [(["ALL_PURPOSE", "JOBS", "JOBS"], ["ALL_PURPOSE", "JOBS"])],
                 id="collect-list-and-set"),
    pytest.param("SELECT collect_list(sku_name), collect_set(sku_name) FROM system.billing.usage WHERE false",
                 [([], [])], id="collect-of-nothing-is-empty"),
    pytest.param("SELECT named_struct('a', 1, 'b', 'x') AS s, named_struct('a', 1, 'b', 'x').b, struct(2 AS c).c",
                 [({"a": 1, "b": "x"}, "x", 2)], id="named-struct"),
    pytest.param("SELECT usage_metadata.job_id, u.usage_metadata.job_run_id FROM system.billing.usage u "
                 "WHERE record_id = 'r1'", [("7", "70")], id="struct-field-access"),
    pytest.param("SELECT p.pricing.default FROM system.billing.list_prices p WHERE sku_name = 'JOBS'",
                 [(Decimal("0.15"),)], id="reserved-word-struct-field"),
    pytest.param("SELECT custom_tags['team'], element_at(custom_tags, 'team'), custom_tags['absent'] "
                 "FROM system.billing.usage WHERE record_id = 'r1'", [("data", "data", None)], id="map-access"),
    pytest.param("SELECT element_at(array(10, 20), 1), array(10, 20)[0], element_at(array(10, 20), -1)",
                 [(10, 10, 20)], id="array-indexes"),
    pytest.param("SELECT coalesce(NULL, 'a'), count_if(usage_quantity > 1), max_by(record_id, usage_quantity), "
                 "min_by(record_id, usage_quantity) FROM system.billing.usage", [("a", 1, "r2", "r1")],
                 id="coalesce-count-if-max-by-min-by"),
    pytest.param("SELECT make_date(2024, 2, 29), to_date('2024-02-03'), to_date('03/02/2024', 'dd/MM/yyyy'), "
                 "to_date(TIMESTAMP'2024-02-03 23:59:59')",
                 [(date(2024, 2, 29), date(2024, 2, 3), date(2024, 2, 3), date(2024, 2, 3))], id="make-date-to-date"),
    pytest.param("SELECT date_add(DATE'2024-01-31', 1), date_sub(DATE'2024-03-01', 1), "
                 "date_add(TIMESTAMP'2024-01-31 10:00:00', 1)",
                 [(date(2024, 2, 1), date(2024, 2, 29), date(2024, 2, 1))], id="date-add-sub-return-dates"),
    pytest.param("SELECT TIMESTAMP'2024-01-01 00:00:00' + INTERVAL 30 DAYS, TIMESTAMP'2024-01-01 00:00:00' - "
                 "INTERVAL 2 HOURS, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL '90' MINUTE",
                 [(datetime(2024, 1, 31, tzinfo=UTC), datetime(2023, 12, 31, 22, tzinfo=UTC),
                   datetime(2024, 1, 1, 1, 30, tzinfo=UTC))], id="interval-arithmetic"),
    pytest.param(r"SELECT 'A_B' ILIKE 'a!_b' ESCAPE '!', 'AxB' ILIKE 'a!_b' ESCAPE '!', 'a_b' LIKE 'a\_b', "
                 r"'axb' LIKE 'a\_b', 'x%' LIKE 'x\\%', 'abc' NOT LIKE 'a%'",
                 [(True, False, True, False, True, False)], id="like-ilike-escape"),
    pytest.param("SELECT exists(array(1, 2, 3), x -> x > 2), exists(array(1, 2), x -> x > 5), "
                 "forall(array(1, 2), x -> x > 0)", [(True, False, True)], id="exists-forall-lambda"),
    pytest.param("SELECT id FROM range(3) ORDER BY id", [(0,), (1,), (2,)], id="range-yields-id"),
    pytest.param("SELECT dayofweek(DATE'2024-01-07'), dayofweek(DATE'2024-01-08')", [(1, 2)],
                 id="dayofweek-sunday-is-1"),
    pytest.param("SELECT j.job_id FROM system.lakeflow.job_run_timeline j LEFT ANTI JOIN system.billing.usage u "
                 "ON u.usage_metadata.job_id = j.job_id ORDER BY j.job_id", [("9",)], id="left-anti-join"),
    pytest.param("WITH c AS (SELECT record_id FROM system.billing.usage) SELECT count(*) FROM c", [(3,)],
                 id="cte-names-are-not-tables"),
]


@pytest.mark.parametrize("sql, expected", SEMANTICS)
def test_translation_gives_databricks_answer(db, translator, sql, expected):
    rows, _ = run(db, translator, sql)
    assert rows == expected


# Spark's decimal result types: (Databricks SQL, rows, DuckDB result types)
DECIMALS = [
    pytest.param("SELECT usage_quantity FROM system.billing.usage WHERE record_id = 'r1'",
                 [(Decimal("0.150000000000000000"),)], ["DECIMAL(38,18)"], id="stored"),
    pytest.param("SELECT u.usage_quantity * p.pricing.default FROM system.billing.usage u "
                 "JOIN system.billing.list_prices p ON p.sku_name = u.sku_name ORDER BY u.record_id",
                 [(Decimal("0.022500"),), (Decimal("185.175000"),), (Decimal("0.183333"),)], ["DECIMAL(38,6)"],
                 id="product-is-exact-and-rounded-half-up"),
    pytest.param("SELECT sum(u.usage_quantity * p.pricing.default) FROM system.billing.usage u "
                 "JOIN system.billing.list_prices p ON p.sku_name = u.sku_name",
                 [(Decimal("185.380833"),)], ["DECIMAL(38,6)"], id="sum-of-products"),
    pytest.param("SELECT sum(usage_quantity) FROM system.billing.usage",
                 [(Decimal("1234.983333333333333333"),)], ["DECIMAL(38,18)"], id="sum"),
    pytest.param("SELECT avg(usage_quantity) FROM system.billing.usage",
                 [(Decimal("411.6611111111111111110000"),)], ["DECIMAL(38,22)"], id="avg"),
    pytest.param("SELECT sum(usage_quantity) / 3, try_divide(sum(usage_quantity), 0) FROM system.billing.usage",
                 [(Decimal("411.661111111111111111"), None)], ["DECIMAL(38,18)", "DECIMAL(38,18)"], id="division"),
    pytest.param("SELECT usage_quantity + usage_quantity, usage_quantity * 2 FROM system.billing.usage "
                 "WHERE record_id = 'r3'", [(Decimal("0.66666666666666667"), Decimal("0.6666666666666667"))],
                 ["DECIMAL(38,17)", "DECIMAL(38,16)"], id="add-and-integer-product"),
    pytest.param("SELECT usage_quantity * 1.5e0 FROM system.billing.usage WHERE record_id = 'r1'",
                 [(0.15 * 1.5,)], ["DOUBLE"], id="double-stays-double"),
]


@pytest.mark.parametrize("sql, expected, types", DECIMALS)
def test_decimal_arithmetic_has_spark_types(db, translator, sql, expected, types):
    rows, result_types = run(db, translator, sql)
    assert rows == expected
    assert [str(r) for r in rows[0] if isinstance(r, Decimal)] == [str(e) for e in expected[0]
                                                                     if isinstance(e, Decimal)]
    assert result_types == types


def test_decimal_division_by_zero_fails_as_in_ansi_mode(db, translator):
    with pytest.raises(duckdb.Error, match=r"\[DIVIDE_BY_ZERO\]"):
        run(db, translator, "SELECT sum(usage_quantity) / 0 FROM system.billing.usage")


# (Databricks SQL, parameter types, DuckDB parameter values, rows)
PARAMETERS = [
    pytest.param("SELECT :n + 1, :big, :s, :d, :b, :x", {"n": "INT", "big": "BIGINT", "s": "STRING",
                 "d": "DOUBLE", "b": "BOOLEAN", "x": None}, {"n": 41, "big": 2 ** 40, "s": "x", "d": 0.5, "b": True},
                 [(42, 2 ** 40, "x", 0.5, True, None)], id="scalars"),
    pytest.param("SELECT :p", {"p": "DECIMAL(2,2)"}, {"p": "0.15"}, [(Decimal("0.15"),)], id="decimal"),
    pytest.param("SELECT :t, :day", {"t": "TIMESTAMP", "day": "DATE"},
                 {"t": "2024-01-01 10:00:00+02:00", "day": "2024-02-03"},
                 [(datetime(2024, 1, 1, 8, tzinfo=UTC), date(2024, 2, 3))], id="timestamp-and-date"),
    pytest.param("SELECT record_id FROM system.billing.usage WHERE array_contains(:jobs, usage_metadata.job_id) "
                 "ORDER BY record_id", {"jobs": "ARRAY<STRING>"}, {"jobs": ["7", "8"]}, [("r1",), ("r2",)],
                 id="array-contains-list"),
    pytest.param("SELECT array_contains(:ids, 2), array_contains(:ids, 5)", {"ids": "ARRAY<INT>"},
                 {"ids": [1, 2]}, [(True, False)], id="array-of-ints"),
    pytest.param("SELECT :m['a']", {"m": "MAP<STRING, INT>"}, {"m__keys": ["a"], "m__values": [5]}, [(5,)],
                 id="map"),
    pytest.param("SELECT ? + ?", {"1": "INT", "2": "INT"}, {"_pos_1": 1, "_pos_2": 2}, [(3,)], id="positional"),
    pytest.param("SELECT ? AS a, id FROM range(10) WHERE id > ? ORDER BY id LIMIT ?",
                 {"1": "INT", "2": "INT", "3": "INT"}, {"_pos_1": 100, "_pos_2": 5, "_pos_3": 2},
                 [(100, 6), (100, 7)], id="positional-in-text-order"),
    pytest.param("SELECT count(*) FROM system.billing.usage WHERE record_id = :r", {"r": "STRING"},
                 {"r": "x' OR '1'='1"}, [(0,)], id="injection-stays-data"),
    pytest.param("SELECT count(*) FROM system.lakeflow.job_run_timeline WHERE period_start_time >= :s "
                 "AND :e > period_end_time AND period_start_time IN (:a, :b) AND CAST(period_start_time AS DATE) = :d",
                 {"s": "STRING", "e": "STRING", "a": "STRING", "b": "STRING", "d": "STRING"},
                 {"s": "2024-01-02 10:00:00", "e": "2024-01-02T12:00:00+00:00", "a": "2024-01-02 10:00",
                  "b": "2024-01-02T11:00:00Z", "d": "2024-01-02"}, [(2,)], id="timestamp-column-vs-string"),
    pytest.param("SELECT count(*) FROM system.billing.usage WHERE usage_quantity > :q AND usage_date BETWEEN :d AND :d",
                 {"q": "STRING", "d": "STRING"}, {"q": "0.2", "d": "2024-01-02"}, [(1,)],
                 id="number-and-date-vs-string"),
    pytest.param("SELECT CASE WHEN :w IS NULL THEN 'all' END, count(*) FROM system.billing.usage "
                 "WHERE :w IS NULL OR workspace_id = :w", {"w": None}, {}, [("all", 3)], id="null-parameter"),
]


@pytest.mark.parametrize("sql, types, values, expected", PARAMETERS)
def test_parameters_are_bound_with_their_declared_types(db, translator, sql, types, values, expected):
    rows, _ = run(db, translator, sql, types, values)
    assert rows == expected


def test_markers_become_typed_duckdb_parameters(translator):
    translation = translator.translate("SELECT * FROM system.billing.usage WHERE workspace_id = :ws LIMIT :n",
                                       {"ws": "STRING", "n": "INT"})
    assert "system." not in translation.sql
    assert "FROM billing.usage" in translation.sql
    assert "CAST($ws AS TEXT)" in translation.sql and "CAST($n AS INT)" in translation.sql
    assert translation.parameters == ("ws", "n") or set(translation.parameters) == {"ws", "n"}


def test_schemas_are_listed_in_the_order_the_statement_mentions_them(translator):
    translation = translator.translate(
        "WITH u AS (SELECT * FROM system.billing.usage) "
        "SELECT 1 FROM system.lakeflow.jobs j JOIN u ON 1 = 1 JOIN system.billing.list_prices p ON 1 = 1 "
        "WHERE EXISTS (SELECT 1 FROM system.compute.clusters)"
    )
    assert translation.schemas == ("billing", "lakeflow", "compute")
    assert translator.translate("SELECT 1").schemas == ()


def test_session_catalog_and_schema_resolve_short_names(db, translator):
    rows, _ = run(db, translator, "SELECT count(*) FROM usage", catalog="system", schema="billing")
    assert rows == [(3,)]
    rows, _ = run(db, translator, "SELECT count(*) FROM billing.usage", catalog="system")
    assert rows == [(3,)]


def test_translations_are_cached_per_statement_and_parameter_types(translator):
    first = translator.translate("SELECT :a", {"a": "INT"})
    assert translator.translate("SELECT :a", {"a": "INT"}) is first
    assert translator.translate("SELECT :a", {"a": "STRING"}) is not first


# (Databricks SQL, error class, a fragment of the message)
REFUSED = [
    pytest.param("SELECT * FROM system.workspace_state.jobs", "TABLE_OR_VIEW_NOT_FOUND", "workspace_state",
                 id="private-schema"),
    pytest.param("SELECT * FROM workspace_state.meta", "TABLE_OR_VIEW_NOT_FOUND", "workspace_state",
                 id="private-schema-unqualified"),
    pytest.param("SELECT * FROM system.information_schema.tables", "TABLE_OR_VIEW_NOT_FOUND",
                 "`system`.`information_schema`.`tables`", id="other-system-schema"),
    pytest.param("SELECT * FROM billing.usage", "TABLE_OR_VIEW_NOT_FOUND", "`billing`.`usage`",
                 id="missing-system-prefix"),
    pytest.param("SELECT * FROM main.billing.usage", "TABLE_OR_VIEW_NOT_FOUND", "`main`.`billing`.`usage`",
                 id="other-catalog"),
    pytest.param("SELECT * FROM system.billing.nope", "TABLE_OR_VIEW_NOT_FOUND", "line 1 pos 14",
                 id="unknown-table"),
    pytest.param("SELECT * FROM read_csv('/etc/passwd')", "UNRESOLVED_ROUTINE", "read_csv", id="file-reader"),
    pytest.param("SELECT * FROM duckdb_tables()", "UNRESOLVED_ROUTINE", "duckdb_tables", id="duckdb-catalog"),
    pytest.param("SELECT getenv('HOME')", "UNRESOLVED_ROUTINE", "getenv", id="environment"),
    pytest.param("DROP TABLE system.billing.usage", "NOT_SUPPORTED_COMMAND", "read-only", id="ddl"),
    pytest.param("INSERT INTO system.billing.usage (record_id) VALUES ('x')", "NOT_SUPPORTED_COMMAND",
                 "read-only", id="dml"),
    pytest.param("SELECT 1; SELECT 2", "PARSE_SYNTAX_ERROR", "one statement", id="two-statements"),
    pytest.param("SELEC 1", "PARSE_SYNTAX_ERROR", "line 1", id="syntax"),
    pytest.param("SELECT :missing", "UNBOUND_SQL_PARAMETER", "missing", id="unbound-parameter"),
    pytest.param("SELECT sha2('a', 512)", "UNSUPPORTED_FEATURE", "SHA256", id="untranslatable"),
]


@pytest.mark.parametrize("sql, error_class, fragment", REFUSED)
def test_refused_statements_say_why(translator, sql, error_class, fragment):
    with pytest.raises(SqlError) as raised:
        translator.translate(sql)
    assert raised.value.error_class == error_class
    assert fragment in str(raised.value)
    assert str(raised.value).startswith(f"[{error_class}] ") and "SQLSTATE: " in str(raised.value)
