"""The synthetic workspace generator: every hard case is really in the tables, and both views agree.

Each test finds its case through workspace_state.cases (so it does not hard-code ids) and then checks the case with
its own query on the system-table mirror or the Jobs API state.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import duckdb
import pytest

from gql_monitor.local_workspace import generator
from gql_monitor.local_workspace.state import DDL

NOW = datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)
SEED = 7
HOME = "1234567890123456"
LAG = timedelta(minutes=10)
CUTOFF = NOW - LAG

TABLES = [
    "billing.usage", "billing.list_prices", "lakeflow.jobs", "lakeflow.job_tasks", "lakeflow.job_run_timeline",
    "lakeflow.job_task_run_timeline", "compute.clusters", "access.workspaces_latest", "workspace_state.meta",
    "workspace_state.jobs", "workspace_state.job_acl", "workspace_state.runs", "workspace_state.run_outputs",
    "workspace_state.cases",
]


def fresh(seed: int = SEED, now: datetime = NOW) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(DDL)
    generator.generate(con, scale="small", seed=seed, now=now)
    return con


@pytest.fixture(scope="module")
def db() -> duckdb.DuckDBPyConnection:
    con = fresh()
    yield con
    con.close()


def rows(db, sql: str, params=None) -> list[tuple]:
    return db.execute(sql, params or []).fetchall()


def one(db, sql: str, params=None):
    return db.execute(sql, params or []).fetchone()


def cases(db, name: str) -> list[tuple[str, str, str, str]]:
    found = rows(db, "SELECT workspace_id, job_id, run_id, note FROM workspace_state.cases WHERE case_name = ?", [name])
    assert found, f"case {name} is not recorded"
    return found


def api_run(db, run_id) -> dict:
    return json.loads(one(db, "SELECT run FROM workspace_state.runs WHERE run_id = ?", [int(run_id)])[0])


def end_rows(db, ws: str, run_id: str) -> list[tuple]:
    return rows(db, """SELECT result_state, period_end_time FROM lakeflow.job_run_timeline
                       WHERE workspace_id = ? AND run_id = ? AND result_state IS NOT NULL ORDER BY period_end_time""",
                [ws, run_id])


CASE_NAMES = {
    "aged_out_job", "deleted_job", "renamed_job", "shared_job_id", "long_run", "repaired_run", "retried_run",
    "failing_streak", "flaky_job", "duration_regression", "late_start", "missed_schedule", "sla_job",
    "serverless_multi_record_hour", "all_purpose_job", "dlt_usage", "retraction_restatement", "retraction_only",
    "price_change", "active_run", "active_long_run", "recently_finished_run", "untagged_job", "multi_task_job",
    "task_retry", "analyst_visible_job", "queued_run", "paused_job",
}


# ---------------------------------------------------------------------------------------------------------------
# Shape of the data


def test_every_hard_case_is_recorded(db):
    recorded = {r[0] for r in rows(db, "SELECT DISTINCT case_name FROM workspace_state.cases")}
    assert CASE_NAMES <= recorded
    assert one(db, "SELECT count(*) FROM workspace_state.cases WHERE case_name = 'price_change' AND run_id <> ''")[0] == 0


def test_every_table_is_filled(db):
    for table in TABLES:
        assert one(db, f"SELECT count(*) FROM {table}")[0] > 0, table


def test_meta_describes_the_generation(db):
    meta = dict(rows(db, "SELECT key, value FROM workspace_state.meta"))
    assert meta["seed"] == "7" and meta["scale"] == "small"
    assert int(meta["now_ms"]) == int(NOW.timestamp() * 1000)
    assert meta["home_workspace_id"] == HOME and meta["lag_minutes"] == "10" and meta["window_days"] == "30"
    assert one(db, "SELECT count(DISTINCT account_id) FROM billing.usage")[0] == 1
    assert one(db, "SELECT DISTINCT account_id FROM lakeflow.jobs")[0] == meta["account_id"]


def test_three_running_workspaces(db):
    ws = rows(db, "SELECT workspace_id, status FROM access.workspaces_latest ORDER BY workspace_id")
    assert len(ws) == 3 and HOME in [w[0] for w in ws] and {w[1] for w in ws} == {"RUNNING"}
    assert one(db, "SELECT count(DISTINCT workspace_id) FROM lakeflow.job_run_timeline")[0] == 3


def test_nothing_in_the_tables_after_the_lag(db):
    for table in ("lakeflow.job_run_timeline", "lakeflow.job_task_run_timeline"):
        assert one(db, f"SELECT max(period_end_time) FROM {table}")[0] <= CUTOFF
    assert one(db, "SELECT max(usage_end_time) FROM billing.usage")[0] <= CUTOFF
    assert one(db, "SELECT count(*) FROM billing.usage WHERE usage_end_time - usage_start_time <> INTERVAL 1 HOUR")[0] == 0


def test_runs_are_sliced_at_clock_hours_with_outcome_on_the_last_slice(db):
    bad = one(db, """
        WITH s AS (
            SELECT *, row_number() OVER (PARTITION BY workspace_id, run_id, result_state IS NULL ORDER BY period_start_time) AS k,
                   count(*) OVER (PARTITION BY workspace_id, run_id) AS n
            FROM lakeflow.job_run_timeline)
        SELECT
            count(*) FILTER (WHERE period_end_time < period_start_time),
            count(*) FILTER (WHERE date_trunc('hour', period_start_time) <> date_trunc('hour', period_end_time)
                             AND period_end_time <> date_trunc('hour', period_end_time)),
            count(*) FILTER (WHERE result_state IS NULL AND period_end_time <> date_trunc('hour', period_end_time)),
            count(*) FILTER (WHERE result_state IS NULL AND (termination_code IS NOT NULL
                                                            OR run_duration_seconds IS NOT NULL))
        FROM s""")
    assert bad == (0, 0, 0, 0)
    multi = one(db, """SELECT count(*) FROM (SELECT run_id FROM lakeflow.job_run_timeline GROUP BY workspace_id, run_id
                       HAVING count(*) >= 3)""")[0]
    assert multi > 0


def test_every_result_state_trigger_and_run_type_appears(db):
    results = {r[0] for r in rows(db, "SELECT DISTINCT result_state FROM lakeflow.job_run_timeline")}
    assert {"SUCCEEDED", "FAILED", "ERROR", "TIMED_OUT", "CANCELLED", "SKIPPED", "BLOCKED", None} <= results
    task_results = {r[0] for r in rows(db, "SELECT DISTINCT result_state FROM lakeflow.job_task_run_timeline")}
    assert {"SUCCEEDED", "FAILED", "BLOCKED"} <= task_results
    triggers = {r[0] for r in rows(db, "SELECT DISTINCT trigger_type FROM lakeflow.job_run_timeline")}
    assert triggers == {"CRON", "ONETIME", "ONETIME_RETRY", "FILE_ARRIVAL", "CONTINUOUS"}
    run_types = dict(rows(db, "SELECT run_type, count(DISTINCT run_id) FROM lakeflow.job_run_timeline GROUP BY 1"))
    assert set(run_types) == {"JOB_RUN", "SUBMIT_RUN", "WORKFLOW_RUN"}
    assert run_types["JOB_RUN"] > run_types["SUBMIT_RUN"] + run_types["WORKFLOW_RUN"]
    codes = {r[0] for r in rows(db, "SELECT DISTINCT termination_code FROM lakeflow.job_run_timeline")}
    assert {"SUCCESS", "RUN_EXECUTION_ERROR", "DRIVER_ERROR", "CLUSTER_ERROR", "LIBRARY_INSTALLATION_ERROR",
            "STORAGE_ACCESS_ERROR", "CLOUD_FAILURE", "MAX_CONCURRENT_RUNS_EXCEEDED", "CANCELLED", "SKIPPED"} <= codes


def test_runs_carry_compute_and_some_parameters(db):
    filled = one(db, """SELECT count(*) FILTER (WHERE len(compute) > 0), count(*) FILTER (WHERE job_parameters IS NOT NULL),
                               count(*) FILTER (WHERE len(compute_ids) > 0)
                        FROM lakeflow.job_run_timeline""")
    assert all(n > 0 for n in filled)


def test_job_run_ids_in_usage_exist_in_the_timeline(db):
    orphans = one(db, """
        SELECT count(*) FROM billing.usage u
        WHERE billing_origin_product = 'JOBS' AND NOT EXISTS (
            SELECT 1 FROM lakeflow.job_run_timeline t WHERE t.workspace_id = u.workspace_id
              AND t.job_id = u.usage_metadata.job_id AND t.run_id = u.usage_metadata.job_run_id)""")[0]
    assert orphans == 0


def test_record_ids_unique_and_quantities_exact_decimals(db):
    assert one(db, "SELECT count(*) - count(DISTINCT record_id) FROM billing.usage")[0] == 0
    types = dict(rows(db, """SELECT column_name, data_type FROM information_schema.columns
                             WHERE table_schema = 'billing' AND table_name = 'usage'"""))
    assert types["usage_quantity"] == "DECIMAL(38,18)"
    q = one(db, "SELECT usage_quantity FROM billing.usage WHERE usage_quantity <> round(usage_quantity, 2) LIMIT 1")[0]
    assert isinstance(q, Decimal) and q.as_tuple().exponent == -18
    price = one(db, """SELECT pricing."default", pricing.effective_list."default", pricing.promotional."default"
                       FROM billing.list_prices WHERE sku_name = 'PREMIUM_JOBS_COMPUTE' ORDER BY price_start_time LIMIT 1""")
    assert price[0] == Decimal("0.15") and price[1] == price[0] and price[2] <= price[0]
    assert one(db, """SELECT count(*) FROM billing.list_prices WHERE pricing."default" <> pricing.effective_list."default"
                      OR pricing.promotional."default" > pricing."default" OR cloud <> 'AWS' OR currency_code <> 'USD'""")[0] == 0


def test_clusters_cover_job_all_purpose_and_pipeline_compute(db):
    sources = {r[0] for r in rows(db, "SELECT DISTINCT cluster_source FROM compute.clusters")}
    assert {"JOB", "PIPELINE"} <= sources and sources & {"UI", "API"}
    missing = one(db, """SELECT count(DISTINCT usage_metadata.cluster_id) FROM billing.usage u
                         WHERE usage_metadata.cluster_id IS NOT NULL AND NOT EXISTS (
                           SELECT 1 FROM compute.clusters c WHERE c.cluster_id = u.usage_metadata.cluster_id)""")[0]
    assert missing == 0


# ---------------------------------------------------------------------------------------------------------------
# SCD2 jobs


def test_aged_out_job_has_runs_and_usage_but_no_jobs_row(db):
    ws, job_id, _, _ = cases(db, "aged_out_job")[0]
    assert one(db, "SELECT count(*) FROM lakeflow.jobs WHERE workspace_id = ? AND job_id = ?", [ws, job_id])[0] == 0
    assert one(db, "SELECT count(*) FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ?", [ws, job_id])[0] > 0
    name = one(db, """SELECT any_value(usage_metadata.job_name) FROM billing.usage
                      WHERE workspace_id = ? AND usage_metadata.job_id = ? AND usage_metadata.job_name IS NOT NULL""",
               [ws, job_id])[0]
    assert name
    assert one(db, "SELECT count(*) FROM workspace_state.jobs WHERE job_id = ?", [int(job_id)])[0] == 0


def test_deleted_job_ran_before_deletion_and_left_the_api(db):
    ws, job_id, _, _ = cases(db, "deleted_job")[0]
    deleted = one(db, """SELECT delete_time FROM lakeflow.jobs WHERE workspace_id = ? AND job_id = ?
                         ORDER BY change_time DESC LIMIT 1""", [ws, job_id])[0]
    assert deleted is not None
    last_run = one(db, "SELECT max(period_end_time) FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ?",
                   [ws, job_id])[0]
    assert last_run is not None and last_run <= deleted
    assert one(db, "SELECT count(*) FROM workspace_state.jobs WHERE job_id = ?", [int(job_id)])[0] == 0
    assert one(db, "SELECT count(*) FROM workspace_state.runs WHERE job_id = ?", [int(job_id)])[0] == 0


def test_renamed_job_has_two_names_and_the_api_shows_the_latest(db):
    ws, job_id, _, _ = cases(db, "renamed_job")[0]
    names = rows(db, "SELECT name FROM lakeflow.jobs WHERE workspace_id = ? AND job_id = ? ORDER BY change_time",
                 [ws, job_id])
    assert len({n[0] for n in names}) >= 2
    settings = json.loads(one(db, "SELECT settings FROM workspace_state.jobs WHERE job_id = ?", [int(job_id)])[0])
    assert settings["name"] == names[-1][0]
    run_names = {r[0] for r in rows(db, "SELECT DISTINCT run_name FROM lakeflow.job_run_timeline WHERE workspace_id = ? "
                                        "AND job_id = ?", [ws, job_id])}
    assert {n[0] for n in names} & run_names == {n[0] for n in names}


def test_api_job_settings_match_the_latest_scd2_row(db):
    mismatched = rows(db, """
        WITH latest AS (
            SELECT * FROM lakeflow.jobs WHERE workspace_id = ?
            QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1)
        SELECT j.job_id FROM workspace_state.jobs j LEFT JOIN latest l ON l.job_id = CAST(j.job_id AS VARCHAR)
        WHERE l.job_id IS NULL OR l.delete_time IS NOT NULL
           OR json_extract_string(j.settings, '$.name') <> l.name
           OR coalesce(json_extract_string(j.settings, '$.tags.team'), '') <> coalesce(l.tags['team'], '')""", [HOME])
    assert mismatched == []
    settings = [json.loads(r[0]) for r in rows(db, "SELECT settings FROM workspace_state.jobs")]
    assert all(s["format"] == "MULTI_TASK" and s["tasks"] and "run_as" in s for s in settings)
    assert any("schedule" in s for s in settings) and any("trigger" in s for s in settings)
    assert any("continuous" in s for s in settings)
    computes = {k for s in settings for t in s["tasks"] for k in ("job_cluster_key", "existing_cluster_id",
                                                                   "environment_key") if k in t}
    assert computes == {"job_cluster_key", "existing_cluster_id", "environment_key"}
    assert any("service_principal_name" in s["run_as"] for s in settings)
    assert any("user_name" in s["run_as"] for s in settings)


def test_paused_job_stops_running_and_says_so(db):
    ws, job_id, _, _ = cases(db, "paused_job")[0]
    paused_at, paused = one(db, """SELECT change_time, paused FROM lakeflow.jobs WHERE workspace_id = ? AND job_id = ?
                                   ORDER BY change_time DESC LIMIT 1""", [ws, job_id])
    assert paused
    assert one(db, """SELECT count(*) FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ?
                      AND trigger_type = 'CRON' AND period_start_time > ?""", [ws, job_id, paused_at])[0] == 0
    settings = json.loads(one(db, "SELECT settings FROM workspace_state.jobs WHERE job_id = ?", [int(job_id)])[0])
    assert settings["schedule"]["pause_status"] == "PAUSED"


def test_old_scd2_rows_have_null_new_columns(db):
    old = one(db, """SELECT count(*), count(trigger_type) + count(run_as_user_name) + count(creator_user_name)
                            + count(paused) + count(timeout_seconds) + count(create_time)
                     FROM lakeflow.jobs WHERE change_time < TIMESTAMPTZ '2025-12-01'""")
    assert old[0] > 0 and old[1] == 0
    new = one(db, "SELECT count(create_time), count(run_as_user_name) FROM lakeflow.jobs "
                  "WHERE change_time >= TIMESTAMPTZ '2025-12-01'")
    assert new[0] > 0 and new[1] > 0
    versions = one(db, "SELECT max(n) FROM (SELECT count(*) AS n FROM lakeflow.jobs GROUP BY workspace_id, job_id)")[0]
    assert versions >= 3
    task_versions = one(db, """SELECT max(n) FROM (SELECT count(*) AS n FROM lakeflow.job_tasks
                               GROUP BY workspace_id, job_id, task_key)""")[0]
    assert task_versions >= 2


def test_shared_job_id_exists_in_two_workspaces(db):
    found = cases(db, "shared_job_id")
    job_id = found[0][1]
    workspaces = rows(db, "SELECT DISTINCT workspace_id FROM lakeflow.jobs WHERE job_id = ?", [job_id])
    assert len(workspaces) == 2
    names = rows(db, """SELECT DISTINCT name FROM lakeflow.jobs WHERE job_id = ?
                        QUALIFY row_number() OVER (PARTITION BY workspace_id ORDER BY change_time DESC) = 1""", [job_id])
    assert len(names) == 2


def test_jobs_have_schedules_tags_and_run_as_variety(db):
    latest = """SELECT * FROM lakeflow.jobs WHERE change_time >= TIMESTAMPTZ '2025-12-01'
                QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1"""
    kinds = {r[0] for r in rows(db, f"SELECT DISTINCT trigger_type FROM ({latest})")}
    assert {"CRON", "FILE_ARRIVAL", "CONTINUOUS", None} <= kinds
    assert one(db, f"SELECT count(*) FROM ({latest}) WHERE trigger.schedule.quartz_cron_expression LIKE '0 % ?%' "
                   "OR trigger.schedule.quartz_cron_expression LIKE '0 %'")[0] > 0
    assert one(db, f"SELECT count(*) FROM ({latest}) WHERE paused")[0] > 0
    assert one(db, f"SELECT count(*) FROM ({latest}) WHERE cardinality(tags) = 0")[0] > 0
    assert one(db, f"SELECT count(*) FROM ({latest}) WHERE tags['cost_center'] IS NOT NULL")[0] > 0


# ---------------------------------------------------------------------------------------------------------------
# Runs


def test_long_run_spans_several_hourly_slices(db):
    ws, job_id, run_id, _ = cases(db, "long_run")[0]
    slices, seconds = one(db, """SELECT count(*), epoch(max(period_end_time)) - epoch(min(period_start_time))
                                 FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND run_id = ?""", [ws, run_id])
    assert slices >= 2 and seconds > 3600
    over_3h = one(db, """SELECT count(*) FROM (SELECT run_id FROM lakeflow.job_run_timeline GROUP BY workspace_id, run_id
                         HAVING sum(epoch(period_end_time) - epoch(period_start_time)) > 3 * 3600)""")[0]
    assert over_3h > 0


def test_repaired_run_has_two_end_rows_and_a_repair_history(db):
    ws, _, run_id, _ = cases(db, "repaired_run")[0]
    ends = end_rows(db, ws, run_id)
    assert len(ends) == 2 and ends[0][0] in ("FAILED", "ERROR", "TIMED_OUT")
    assert ws == HOME
    history = api_run(db, run_id)["repair_history"]
    assert [h["type"] for h in history] == ["ORIGINAL", "REPAIR"]
    assert api_run(db, run_id)["state"]["result_state"] == {"SUCCEEDED": "SUCCESS", "FAILED": "FAILED"}[ends[1][0]]
    repaired_tasks = history[1]["task_run_ids"]
    in_timeline = one(db, f"""SELECT count(DISTINCT run_id) FROM lakeflow.job_task_run_timeline
                              WHERE workspace_id = ? AND job_run_id = ? AND run_id IN ({",".join("?" * len(repaired_tasks))})""",
                      [ws, run_id, *[str(t) for t in repaired_tasks]])[0]
    assert in_timeline == len(repaired_tasks)


def test_retried_run_is_a_new_run_after_a_failure(db):
    ws, _, run_id, note = cases(db, "retried_run")[0]
    assert one(db, "SELECT DISTINCT trigger_type FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND run_id = ?",
               [ws, run_id])[0] == "ONETIME_RETRY"
    run = api_run(db, run_id)
    assert run["trigger"] == "RETRY" and run["attempt_number"] == 1
    original = str(run["original_attempt_run_id"])
    assert original != run_id
    assert end_rows(db, ws, original)[0][0] in ("FAILED", "ERROR")


def test_failing_streak_ends_in_consecutive_failures(db):
    ws, job_id, _, _ = cases(db, "failing_streak")[0]
    last = rows(db, """SELECT result_state FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ?
                       AND result_state IS NOT NULL ORDER BY period_end_time DESC LIMIT 4""", [ws, job_id])
    assert len(last) == 4 and {r[0] for r in last} == {"FAILED"}


def test_flaky_job_fails_about_a_fifth_of_the_time(db):
    ws, job_id, _, _ = cases(db, "flaky_job")[0]
    total, failed = one(db, """SELECT count(*), count(*) FILTER (WHERE result_state IN ('FAILED', 'ERROR', 'TIMED_OUT'))
                               FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ?
                               AND result_state IS NOT NULL""", [ws, job_id])
    assert total >= 20 and 0.08 <= failed / total <= 0.45


def test_duration_regression_doubles_recent_runs(db):
    ws, job_id, _, _ = cases(db, "duration_regression")[0]
    before, after = one(db, """
        WITH r AS (SELECT run_id, min(period_start_time) AS s, sum(epoch(period_end_time) - epoch(period_start_time)) AS d
                   FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ? AND run_type = 'JOB_RUN'
                   GROUP BY run_id HAVING bool_or(result_state = 'SUCCEEDED'))
        SELECT median(d) FILTER (WHERE s < ?), median(d) FILTER (WHERE s >= ?) FROM r""",
                        [ws, job_id, NOW - timedelta(days=7), NOW - timedelta(days=6)])
    assert after >= 1.6 * before


def test_late_start_job_sometimes_starts_well_after_its_cron_minute(db):
    ws, job_id, _, note = next(c for c in cases(db, "late_start") if c[3].startswith("schedule"))
    minute = int(note.split()[2])
    late = one(db, """SELECT count(*) FROM (SELECT run_id, min(period_start_time) AS s FROM lakeflow.job_run_timeline
                      WHERE workspace_id = ? AND job_id = ? AND trigger_type = 'CRON' GROUP BY run_id)
                      WHERE (extract('minute' FROM s) - ? + 60) % 60 >= 5""", [ws, job_id, minute])[0]
    assert late > 0


def test_missed_schedule_leaves_a_gap(db):
    ws, job_id, _, note = cases(db, "missed_schedule")[0]
    gap = one(db, """
        WITH s AS (SELECT run_id, min(period_start_time) AS s FROM lakeflow.job_run_timeline
                   WHERE workspace_id = ? AND job_id = ? AND trigger_type = 'CRON' GROUP BY run_id)
        SELECT max(epoch(s) - epoch(prev)) / 3600 FROM (SELECT s, lag(s) OVER (ORDER BY s) AS prev FROM s)""",
              [ws, job_id])[0]
    assert "/6" in note and gap >= 11


def test_sla_job_is_tagged_with_its_sla(db):
    ws, job_id, _, note = cases(db, "sla_job")[0]
    sla = one(db, """SELECT tags['sla_minutes'] FROM lakeflow.jobs WHERE workspace_id = ? AND job_id = ?
                     ORDER BY change_time DESC LIMIT 1""", [ws, job_id])[0]
    assert sla == note.split("=")[1]
    settings = json.loads(one(db, "SELECT settings FROM workspace_state.jobs WHERE job_id = ?", [int(job_id)])[0])
    assert settings["tags"]["sla_minutes"] == sla
    assert settings["health"]["rules"][0]["value"] == int(sla) * 60


def test_untagged_job_has_no_tags_anywhere(db):
    ws, job_id, _, _ = cases(db, "untagged_job")[0]
    assert one(db, """SELECT cardinality(tags) FROM lakeflow.jobs WHERE workspace_id = ? AND job_id = ?
                      ORDER BY change_time DESC LIMIT 1""", [ws, job_id])[0] == 0
    assert one(db, """SELECT count(*) FROM billing.usage WHERE workspace_id = ? AND usage_metadata.job_id = ?
                      AND cardinality(custom_tags) > 0""", [ws, job_id])[0] == 0


def test_tagged_usage_carries_job_tags_and_run_as(db):
    row = one(db, """SELECT count(*) FROM billing.usage WHERE billing_origin_product = 'JOBS'
                     AND custom_tags['team'] IS NOT NULL AND identity_metadata.run_as IS NOT NULL""")
    assert row[0] > 0


# ---------------------------------------------------------------------------------------------------------------
# Tasks


def test_multi_task_job_has_a_dag_and_one_task_run_per_task(db):
    ws, job_id, _, _ = cases(db, "multi_task_job")[0]
    tasks = rows(db, """SELECT task_key, depends_on_keys FROM lakeflow.job_tasks WHERE workspace_id = ? AND job_id = ?
                        QUALIFY row_number() OVER (PARTITION BY task_key ORDER BY change_time DESC) = 1""", [ws, job_id])
    assert len(tasks) >= 3 and any(len(d) > 0 for _, d in tasks)
    per_run = rows(db, """SELECT job_run_id, count(DISTINCT task_key) FROM lakeflow.job_task_run_timeline
                          WHERE workspace_id = ? AND job_id = ? AND result_state IS NOT NULL GROUP BY 1""", [ws, job_id])
    assert per_run and max(n for _, n in per_run) == len(tasks)
    same_parent = one(db, "SELECT count(*) FROM lakeflow.job_task_run_timeline WHERE job_run_id <> parent_run_id")[0]
    assert same_parent == 0


def test_task_retry_is_a_second_task_run_for_the_same_key(db):
    ws, _, run_id, note = cases(db, "task_retry")[0]
    key = note.split(";")[0].split("=")[1]
    attempts = rows(db, """SELECT run_id, result_state FROM lakeflow.job_task_run_timeline
                           WHERE workspace_id = ? AND job_run_id = ? AND task_key = ? AND result_state IS NOT NULL
                           ORDER BY period_start_time""", [ws, run_id, key])
    assert len(attempts) == 2 and attempts[0][1] == "FAILED" and attempts[0][0] != attempts[1][0]
    api_tasks = [t for t in api_run(db, run_id)["tasks"] if t["task_key"] == key]
    assert sorted(t["attempt_number"] for t in api_tasks) == [0, 1]
    assert {str(t["run_id"]) for t in api_tasks} == {a[0] for a in attempts}


def test_tasks_downstream_of_a_failure_do_not_succeed(db):
    bad = one(db, """
        WITH failed AS (SELECT t.workspace_id, t.job_id, t.job_run_id, t.task_key, t.period_end_time
                        FROM lakeflow.job_task_run_timeline t
                        JOIN lakeflow.job_run_timeline r ON r.workspace_id = t.workspace_id AND r.run_id = t.job_run_id
                        WHERE t.result_state = 'FAILED' AND r.result_state = 'FAILED'),
             deps AS (SELECT workspace_id, job_id, task_key, unnest(depends_on_keys) AS upstream FROM lakeflow.job_tasks)
        SELECT count(*) FROM failed f JOIN deps d ON d.workspace_id = f.workspace_id AND d.job_id = f.job_id
                                               AND d.upstream = f.task_key
        JOIN lakeflow.job_task_run_timeline x ON x.workspace_id = f.workspace_id AND x.job_run_id = f.job_run_id
             AND x.task_key = d.task_key AND x.result_state = 'SUCCEEDED' AND x.period_start_time <= f.period_end_time""")[0]
    assert bad == 0
    assert one(db, "SELECT count(*) FROM lakeflow.job_task_run_timeline WHERE result_state = 'BLOCKED'")[0] > 0


def test_api_task_run_ids_are_the_timeline_task_run_ids(db):
    run_id = cases(db, "multi_task_job")[0][1]
    sample = rows(db, """SELECT run_id, run FROM workspace_state.runs WHERE job_id = ? AND NOT active
                         ORDER BY start_time LIMIT 5""", [int(run_id)])
    assert sample
    for rid, raw in sample:
        api_ids = {str(t["run_id"]) for t in json.loads(raw)["tasks"]}
        table_ids = {r[0] for r in rows(db, "SELECT DISTINCT run_id FROM lakeflow.job_task_run_timeline "
                                            "WHERE workspace_id = ? AND job_run_id = ?", [HOME, str(rid)])}
        assert api_ids <= table_ids


# ---------------------------------------------------------------------------------------------------------------
# Live runs and the lag


def test_active_run_is_in_the_api_but_not_in_the_timeline(db):
    ws, _, run_id, _ = cases(db, "active_run")[0]
    active, end_time = one(db, "SELECT active, end_time FROM workspace_state.runs WHERE run_id = ?", [int(run_id)])
    assert active and end_time == 0
    assert api_run(db, run_id)["state"]["life_cycle_state"] == "RUNNING"
    assert one(db, "SELECT count(*) FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND run_id = ?",
               [ws, run_id])[0] == 0
    in_timeline = one(db, """SELECT count(*) FROM workspace_state.runs r JOIN lakeflow.job_run_timeline t
                             ON t.workspace_id = ? AND t.run_id = CAST(r.run_id AS VARCHAR)
                             WHERE r.active AND t.result_state IS NOT NULL""", [HOME])[0]
    assert in_timeline == 0


def test_active_long_run_has_slices_but_no_end_row(db):
    ws, _, run_id, _ = cases(db, "active_long_run")[0]
    assert one(db, "SELECT active FROM workspace_state.runs WHERE run_id = ?", [int(run_id)])[0]
    slices = rows(db, "SELECT result_state FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND run_id = ?",
                  [ws, run_id])
    assert len(slices) >= 2 and all(r[0] is None for r in slices)


def test_queued_run_waits_behind_the_active_long_run(db):
    ws, job_id, run_id, _ = cases(db, "queued_run")[0]
    run = api_run(db, run_id)
    assert run["state"]["life_cycle_state"] == "QUEUED" and run["status"]["state"] == "QUEUED"
    assert run["end_time"] == 0 and all(t["start_time"] == 0 for t in run["tasks"])
    assert one(db, "SELECT count(*) FROM workspace_state.runs WHERE job_id = ? AND active", [int(job_id)])[0] >= 2
    assert one(db, "SELECT count(*) FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND run_id = ?",
               [ws, run_id])[0] == 0


def test_recently_finished_run_ended_within_the_lag(db):
    ws, _, run_id, _ = cases(db, "recently_finished_run")[0]
    active, end_time = one(db, "SELECT active, end_time FROM workspace_state.runs WHERE run_id = ?", [int(run_id)])
    assert not active and CUTOFF.timestamp() * 1000 < end_time <= NOW.timestamp() * 1000
    assert end_rows(db, ws, run_id) == []


def test_api_holds_only_the_home_workspace_and_sixty_days(db):
    oldest = one(db, "SELECT min(start_time) FROM workspace_state.runs")[0]
    assert oldest >= (NOW - timedelta(days=60)).timestamp() * 1000
    foreign = one(db, """SELECT count(*) FROM workspace_state.runs r WHERE NOT EXISTS (
                           SELECT 1 FROM lakeflow.job_run_timeline t WHERE t.workspace_id = ? AND t.run_id = CAST(r.run_id AS VARCHAR))
                         AND NOT r.active AND r.end_time <= ?""", [HOME, CUTOFF.timestamp() * 1000 - 3600_000])[0]
    assert foreign == 0


def test_api_outcomes_agree_with_the_timeline(db):
    mapping = {"SUCCEEDED": "SUCCESS", "FAILED": "FAILED", "ERROR": "FAILED", "TIMED_OUT": "TIMEDOUT",
               "CANCELLED": "CANCELED"}
    pairs = rows(db, """
        SELECT t.result_state, json_extract_string(r.run, '$.state.result_state'),
               json_extract_string(r.run, '$.status.termination_details.code'), t.termination_code
        FROM workspace_state.runs r JOIN lakeflow.job_run_timeline t
          ON t.workspace_id = ? AND t.run_id = CAST(r.run_id AS VARCHAR) AND t.result_state IS NOT NULL
        WHERE r.run.repair_history IS NULL""", [HOME])
    assert len(pairs) > 100
    for table_state, api_state, api_code, table_code in pairs:
        if table_state in mapping:
            assert api_state == mapping[table_state]
        if table_code not in ("CANCELLED",):
            assert api_code == table_code
    triggers = {r[0] for r in rows(db, "SELECT DISTINCT json_extract_string(run, '$.trigger') FROM workspace_state.runs")}
    assert triggers <= {"PERIODIC", "ONE_TIME", "RETRY", "FILE_ARRIVAL", "CONTINUOUS"} and "PERIODIC" in triggers


def test_api_payloads_parse_with_the_sdk(db):
    from databricks.sdk.service.jobs import JobSettings, Run

    for (raw,) in rows(db, "SELECT run FROM workspace_state.runs USING SAMPLE 300 ROWS (reservoir, 1)"):
        run = Run.from_dict(json.loads(raw))
        assert run.state.life_cycle_state is not None and run.run_type is not None and run.trigger is not None
        for task in run.tasks:
            assert task.state.life_cycle_state is not None
        if run.state.result_state is not None:
            assert run.status.termination_details.code is not None
    for (raw,) in rows(db, "SELECT settings FROM workspace_state.jobs"):
        settings = JobSettings.from_dict(json.loads(raw))
        assert settings.name and settings.tasks


def test_failed_task_runs_have_an_error_output(db):
    failed = rows(db, """SELECT t.run_id FROM lakeflow.job_task_run_timeline t
                         JOIN workspace_state.runs r ON CAST(r.run_id AS VARCHAR) = t.job_run_id
                         WHERE t.workspace_id = ? AND t.result_state = 'FAILED' LIMIT 20""", [HOME])
    assert failed
    for (task_run_id,) in failed:
        output = one(db, "SELECT output FROM workspace_state.run_outputs WHERE run_id = ?", [int(task_run_id)])
        assert output is not None, task_run_id
        body = json.loads(output[0])
        assert body["error"] and body["error_trace"] and body["metadata"]["run_id"] == int(task_run_id)
    messages = rows(db, """SELECT json_extract_string(run, '$.state.state_message') FROM workspace_state.runs
                           WHERE json_extract_string(run, '$.state.result_state') = 'FAILED' LIMIT 5""")
    assert all(m[0] for m in messages)
    assert one(db, "SELECT count(*) FROM workspace_state.run_outputs WHERE output.notebook_output IS NOT NULL")[0] > 0


def test_analyst_sees_about_a_tenth_of_home_jobs(db):
    visible = {c[1] for c in cases(db, "analyst_visible_job")}
    acl = {str(r[0]) for r in rows(db, "SELECT job_id FROM workspace_state.job_acl WHERE user_name = 'analyst@example.com'")}
    total = one(db, "SELECT count(*) FROM workspace_state.jobs")[0]
    assert visible == acl and 0.03 <= len(acl) / total <= 0.25
    assert one(db, f"SELECT count(*) FROM workspace_state.jobs WHERE job_id IN ({','.join(acl)})")[0] == len(acl)



def test_job_grants_reach_the_team_through_its_group_and_the_owner_through_ownership(db):
    team = {int(c[1]) for c in cases(db, "team_visible_job")}
    owned = {int(c[1]) for c in cases(db, "owned_by_owner")}
    analyst = {int(c[1]) for c in cases(db, "analyst_visible_job")}
    grants = rows(db, "SELECT job_id, principal_kind, principal_name, permission_level FROM workspace_state.job_grants")
    assert {g[0] for g in grants if g[1:3] == ("group", "data-eng")} == team
    assert {g[0] for g in grants if g[1:] == ("user", "owner@example.com", "IS_OWNER")} == owned
    assert {g[3] for g in grants if g[1] == "group"} <= {"CAN_VIEW", "CAN_MANAGE_RUN"}
    assert len(grants) == len(team) + len(owned)
    total = one(db, "SELECT count(*) FROM workspace_state.jobs")[0]
    assert len(team) >= 3 and len(team) / total <= 0.25
    assert len(owned) == 3 and not owned & team and not owned & analyst
    jobs = {r[0] for r in rows(db, "SELECT job_id FROM workspace_state.jobs")}
    assert team | owned <= jobs
    active = {r[0] for r in rows(db, "SELECT job_id FROM workspace_state.runs WHERE active")}
    assert team & active, "no job granted to the team has a run in progress"

# ---------------------------------------------------------------------------------------------------------------
# Usage and prices


def test_serverless_run_has_several_records_in_one_hour(db):
    ws, job_id, run_id, _ = cases(db, "serverless_multi_record_hour")[0]
    n = one(db, """SELECT max(n) FROM (SELECT count(*) AS n FROM billing.usage
                   WHERE workspace_id = ? AND usage_metadata.job_run_id = ? AND product_features.is_serverless
                   AND sku_name = 'PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA' AND usage_metadata.cluster_id IS NULL
                   GROUP BY usage_start_time)""", [ws, run_id])[0]
    assert n > 1


def test_classic_job_compute_bills_one_record_per_cluster_hour(db):
    dupes = one(db, """SELECT count(*) FROM (SELECT 1 FROM billing.usage WHERE billing_origin_product = 'JOBS'
                       AND NOT product_features.is_serverless AND record_type = 'ORIGINAL'
                       GROUP BY usage_metadata.cluster_id, usage_start_time HAVING count(*) > 1)""")[0]
    assert dupes == 0
    skus = {r[0] for r in rows(db, "SELECT DISTINCT sku_name FROM billing.usage WHERE billing_origin_product = 'JOBS'")}
    assert {"PREMIUM_JOBS_COMPUTE", "PREMIUM_JOBS_COMPUTE_(PHOTON)",
            "PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA"} <= skus


def test_all_purpose_job_is_billed_to_its_cluster_without_a_job_id(db):
    ws, job_id, _, note = cases(db, "all_purpose_job")[0]
    cluster = note.split("=")[1]
    assert one(db, "SELECT count(*) FROM billing.usage WHERE workspace_id = ? AND usage_metadata.job_id = ?",
               [ws, job_id])[0] == 0
    billed = one(db, """SELECT count(*), count(usage_metadata.job_id), min(sku_name) FROM billing.usage
                        WHERE workspace_id = ? AND usage_metadata.cluster_id = ? AND billing_origin_product = 'ALL_PURPOSE'""",
                 [ws, cluster])
    assert billed[0] > 0 and billed[1] == 0 and billed[2].startswith("PREMIUM_ALL_PURPOSE_COMPUTE")
    ran_on = one(db, "SELECT count(*) FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ? "
                     "AND list_contains(compute_ids, ?)", [ws, job_id, cluster])[0]
    assert ran_on > 0


def test_dlt_and_sql_usage(db):
    ws, _, _, note = cases(db, "dlt_usage")[0]
    pipeline = note.split("=")[1]
    dlt = one(db, """SELECT count(*), min(sku_name) FROM billing.usage WHERE workspace_id = ? AND billing_origin_product = 'DLT'
                     AND usage_metadata.dlt_pipeline_id = ?""", [ws, pipeline])
    assert dlt[0] > 0 and dlt[1].startswith("PREMIUM_DLT_")
    sql = one(db, "SELECT count(*), count(usage_metadata.warehouse_id) FROM billing.usage WHERE billing_origin_product = 'SQL'")
    assert sql[0] > 0 and sql[0] == sql[1]


def test_retraction_and_restatement(db):
    ws, _, _, note = cases(db, "retraction_restatement")[0]
    record_id = note.split("=")[1]
    retraction = one(db, """SELECT usage_quantity, usage_start_time, usage_metadata.cluster_id, usage_metadata.job_run_id,
                                   sku_name, ingestion_date, usage_date
                            FROM billing.usage WHERE record_id = ? AND record_type = 'RETRACTION'""", [record_id])
    q, start, cluster, run, sku, ingested, usage_date = retraction
    assert ingested > usage_date
    original = one(db, """SELECT usage_quantity FROM billing.usage WHERE record_type = 'ORIGINAL' AND workspace_id = ?
                          AND usage_start_time = ? AND sku_name = ? AND usage_metadata.cluster_id IS NOT DISTINCT FROM ?
                          AND usage_metadata.job_run_id IS NOT DISTINCT FROM ? AND usage_quantity = ?""",
                   [ws, start, sku, cluster, run, -q])
    assert original is not None
    restated = one(db, """SELECT usage_quantity FROM billing.usage WHERE record_type = 'RESTATEMENT' AND workspace_id = ?
                          AND usage_start_time = ? AND sku_name = ? AND usage_metadata.cluster_id IS NOT DISTINCT FROM ?
                          AND usage_metadata.job_run_id IS NOT DISTINCT FROM ?""", [ws, start, sku, cluster, run])
    assert restated is not None and 0 < restated[0] < -q


def test_retraction_only(db):
    ws, _, _, note = cases(db, "retraction_only")[0]
    record_id = note.split("=")[1]
    start, cluster, run, sku, q = one(db, """SELECT usage_start_time, usage_metadata.cluster_id, usage_metadata.job_run_id,
                                                    sku_name, usage_quantity
                                             FROM billing.usage WHERE record_id = ?""", [record_id])
    net = one(db, """SELECT sum(usage_quantity), count(*) FILTER (WHERE record_type = 'RESTATEMENT')
                     FROM billing.usage WHERE workspace_id = ? AND usage_start_time = ? AND sku_name = ?
                     AND usage_metadata.cluster_id IS NOT DISTINCT FROM ? AND usage_metadata.job_run_id IS NOT DISTINCT FROM ?
                     AND abs(usage_quantity) = ?""", [ws, start, sku, cluster, run, -q])
    assert q < 0 and net == (Decimal(0), 0)


def test_price_change_inside_the_window_is_contiguous(db):
    windows = rows(db, """SELECT price_start_time, price_end_time, pricing."default" FROM billing.list_prices
                          WHERE sku_name = 'PREMIUM_JOBS_COMPUTE' ORDER BY price_start_time""")
    assert len(windows) == 2
    (s0, e0, p0), (s1, e1, p1) = windows
    assert e0 == s1 and e1 is None and p0 != p1 and e0.minute == 0 and e0.second == 0
    assert NOW - timedelta(days=30) < s1 < CUTOFF
    gaps = one(db, """SELECT count(*) FROM (SELECT price_end_time, lead(price_start_time) OVER
                      (PARTITION BY sku_name ORDER BY price_start_time) AS nxt FROM billing.list_prices)
                      WHERE nxt IS NOT NULL AND nxt <> price_end_time""")[0]
    assert gaps == 0
    assert cases(db, "price_change")[0][3].startswith("PREMIUM_JOBS_COMPUTE")
    inclusive = one(db, """SELECT count(*) FROM billing.usage u JOIN billing.list_prices p ON p.sku_name = u.sku_name
                           AND u.usage_start_time >= p.price_start_time
                           AND (u.usage_start_time <= p.price_end_time OR p.price_end_time IS NULL)
                           WHERE u.sku_name = 'PREMIUM_JOBS_COMPUTE'""")[0]
    half_open = one(db, """SELECT count(*) FROM billing.usage u JOIN billing.list_prices p ON p.sku_name = u.sku_name
                           AND u.usage_start_time >= p.price_start_time
                           AND (u.usage_start_time < p.price_end_time OR p.price_end_time IS NULL)
                           WHERE u.sku_name = 'PREMIUM_JOBS_COMPUTE'""")[0]
    assert half_open == one(db, "SELECT count(*) FROM billing.usage WHERE sku_name = 'PREMIUM_JOBS_COMPUTE'")[0]
    assert inclusive > half_open


def test_usage_job_name_follows_renames(db):
    ws, job_id, _, note = cases(db, "renamed_job")[0]
    old, new = note.split(" -> ")
    names = {r[0] for r in rows(db, """SELECT DISTINCT usage_metadata.job_name FROM billing.usage
                                        WHERE workspace_id = ? AND usage_metadata.job_id = ?""", [ws, job_id])}
    assert new in names


# ---------------------------------------------------------------------------------------------------------------
# Determinism


def _digest(con) -> dict[str, str]:
    out = {}
    for table in TABLES:
        out[table] = con.execute(f"SELECT count(*), md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR))) "
                                 f"FROM {table} t").fetchone()
    return out


def test_same_seed_same_tables_different_seed_different_tables(db):
    again = fresh()
    other = fresh(seed=8)
    try:
        first = _digest(db)
        assert _digest(again) == first
        different = _digest(other)
        assert different["lakeflow.job_run_timeline"] != first["lakeflow.job_run_timeline"]
        assert different["billing.usage"] != first["billing.usage"]
    finally:
        again.close()
        other.close()
