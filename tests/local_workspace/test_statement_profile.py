"""The stand-in's statement profile: DuckDB time and rows scanned per warehouse statement, only when asked.

Over the generated small workspace, through the real connector: the rows a statement scanned are checked against the
tables' own counts, read from the stand-in's database directly.
"""

from __future__ import annotations

import pytest
from databricks.sql import exc

from test_warehouse import connect, query


@pytest.fixture
def profiling(workspace):
    workspace.state.profile_statements = True
    yield workspace
    workspace.state.profile_statements = False


@pytest.fixture
def admin(workspace):
    with connect(workspace) as conn:
        yield conn


def count(workspace, table: str, where: str = "") -> int:
    return workspace.state.db.cursor().execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0]


def last(workspace):
    return workspace.state.statements[-1]


def test_a_scan_of_a_table_reports_the_tables_rows(profiling, admin):
    usage = count(profiling, "billing.usage")
    query(admin, "SELECT sum(usage_quantity) AS q FROM system.billing.usage")
    profile = last(profiling).profile
    assert profile.rows_scanned == usage > 1000
    assert profile.duckdb_ms > 0 and profile.rows_returned == 1


def test_rows_scanned_add_up_over_every_table_a_statement_reads(profiling, admin):
    jobs, runs = count(profiling, "lakeflow.jobs"), count(profiling, "lakeflow.job_run_timeline")
    query(admin, "SELECT count(*) AS n FROM system.lakeflow.job_run_timeline r "
                 "JOIN system.lakeflow.jobs j ON j.workspace_id = r.workspace_id AND j.job_id = r.job_id")
    assert last(profiling).profile.rows_scanned == jobs + runs


def test_a_filter_duckdb_pushes_into_the_scan_skips_rows(profiling, admin):
    runs = count(profiling, "lakeflow.job_run_timeline")
    [row] = query(admin, "SELECT count(*) AS n FROM system.lakeflow.job_run_timeline WHERE period_start_time >= :t",
                  {"t": "2026-11-19T00:00:00Z"})
    assert row.n == count(profiling, "lakeflow.job_run_timeline", "WHERE period_start_time >= '2026-11-19'")
    assert row.n <= last(profiling).profile.rows_scanned <= runs
    # A value outside every row group's min-max: the scan reads nothing.
    [row] = query(admin, "SELECT count(*) AS n FROM system.lakeflow.job_run_timeline WHERE job_id = :j",
                  {"j": "0 no such job"})
    assert row.n == 0 and last(profiling).profile.rows_scanned == 0


def test_profiling_changes_no_answer(workspace, admin):
    statement = ("SELECT usage_metadata.job_id AS job_id, count(*) AS n, sum(usage_quantity) AS q "
                 "FROM system.billing.usage "
                 "GROUP BY 1 ORDER BY 1 NULLS FIRST")
    plain = query(admin, statement)
    workspace.state.profile_statements = True
    try:
        profiled = query(admin, statement)
    finally:
        workspace.state.profile_statements = False
    assert profiled == plain and len(plain) > 10
    assert last(workspace).profile.rows_returned == len(plain)


def test_a_failed_statement_and_profiling_off_record_nothing(workspace, profiling, admin):
    with pytest.raises(exc.ServerOperationError):
        query(admin, "SELECT missing_column FROM system.billing.usage")
    assert last(profiling).profile is None
    profiling.state.profile_statements = False
    query(admin, "SELECT sum(usage_quantity) AS q FROM system.billing.usage")
    assert last(workspace).profile is None
