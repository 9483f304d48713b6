"""Synthetic workspace generator: one generated truth written to the system-table mirror and to workspace_state.

Deterministic for (scale, seed, now): every random draw comes from generators seeded here, never the wall clock.
The pieces live in gen_*.py: gen_world (jobs, people, compute), gen_runs (runs, repairs, task runs),
gen_system (lakeflow/compute/access tables), gen_usage and gen_usage_rows (billing), gen_api (Jobs API state), and
gen_write (how rows reach DuckDB: in bounded batches, under a memory limit).
"""

from __future__ import annotations

import contextlib
import logging
import random
import resource
import time
from datetime import datetime, timezone

import duckdb
import numpy as np
import pyarrow as pa

from gql_monitor.local_workspace import gen_api, gen_runs, gen_system, gen_usage
from gql_monitor.local_workspace.gen_common import (
    ACCOUNT_ID, HOME_WORKSPACE_ID, HOUR, LAG_MINUTES, T_RETRY, Clock,
)
from gql_monitor.local_workspace.gen_world import World, build_world
from gql_monitor.local_workspace.gen_write import bounded_duckdb, insert_arrow
from gql_monitor.local_workspace.scales import SCALES, Scale


log = logging.getLogger(__name__)


@contextlib.contextmanager
def _stage(name: str):
    """Logs each stage's duration and the peak memory so far (large scale is tuned with these numbers)."""
    started = time.perf_counter()
    yield
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    log.info("generator %s: %.1fs (peak RSS %d MB)", name, time.perf_counter() - started, peak_mb)


def generate(con: duckdb.DuckDBPyConnection, *, scale: str, seed: int, now: datetime) -> None:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    size = SCALES[scale]
    clock = Clock(now_ms=int(now.timestamp() * 1000), window_days=size.days)

    # One transaction: DuckDB then writes and checkpoints the large tables once, and a failure leaves no half-filled
    # database behind. Under a memory limit, so that DuckDB evicts the transaction's rows rather than holding them.
    with bounded_duckdb(con):
        con.execute("BEGIN TRANSACTION")
        try:
            _generate(con, size, scale, seed, clock)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        with _stage("commit"):
            con.execute("COMMIT")


def _generate(con, size: Scale, scale: str, seed: int, clock: Clock) -> None:
    # Independent streams per stage, so a change in one stage does not reshuffle the others.
    streams = np.random.SeedSequence(seed).spawn(6)
    rngs = [np.random.default_rng(s) for s in streams]
    pys = [random.Random(int(s.generate_state(1)[0])) for s in streams]
    with _stage("truth"):
        world = build_world(pys[0], clock, size.jobs)
        ja = gen_runs.JobArrays.of(world.jobs)
        runs = gen_runs.build_runs(rngs[1], world, ja)
        segs = gen_runs.build_segments(rngs[2], world, ja, runs)
        tasks = gen_runs.build_task_runs(rngs[3], world, ja, runs, segs)
        run_version, versions = gen_system.version_index(world, runs.job, runs.start)
        cols = gen_system.JobColumns(world)
    with _stage("lakeflow"):
        gen_system.write_workspaces(con, world)
        gen_system.write_jobs_scd2(con, world)
        gen_system.write_job_run_timeline(con, world, ja, cols, runs, segs, run_version, [v.name for v in versions])
        gen_system.write_task_run_timeline(con, world, ja, cols, runs, segs, tasks)
    with _stage("billing"):
        usage = gen_usage.write_usage(con, rngs[4], pys[4], seed, world, ja, cols, runs, segs, run_version, versions)
        gen_usage.write_list_prices(con, usage.price_change_ms)
    with _stage("clusters"):
        gen_system.write_clusters(con, world, ja, cols, runs, segs, usage.pipeline_clusters)
    with _stage("jobs api"):
        home = gen_api.write_jobs_and_acl(con, pys[5], world)
        gen_api.RunWriter(pys[5], world, ja, runs, segs, tasks, run_version, versions).write(con)
        gen_api.write_job_grants(con, seed, home)
    with _stage("cases"):
        _write_meta(con, seed, scale, clock)
        _write_cases(con, world, runs, segs, tasks, versions, run_version, usage.price_change_ms)


def _write_meta(con, seed: int, scale: str, clock: Clock) -> None:
    meta = {"seed": str(seed), "scale": scale, "now_ms": str(clock.now_ms), "home_workspace_id": HOME_WORKSPACE_ID,
            "account_id": ACCOUNT_ID, "lag_minutes": str(LAG_MINUTES), "window_days": str(clock.window_days)}
    insert_arrow(con, "workspace_state.meta", pa.table({"key": list(meta), "value": list(meta.values())}))


# ---------------------------------------------------------------------------------------------------------------
# Where the hard cases are


def _write_cases(con, world: World, runs, segs, tasks, versions, run_version, price_change_ms: int) -> None:
    rows: list[tuple[str, str, str, str, str]] = []

    def add(case: str, job=None, run_id="", note="", workspace_id=None):
        ws = workspace_id or (job.workspace_id if job is not None else HOME_WORKSPACE_ID)
        rows.append((case, ws, str(job.job_id) if job is not None else "", str(run_id), note))

    def home_job(note: str):
        return next(j for j in world.jobs if note in j.notes and j.workspace_id == HOME_WORKSPACE_ID)

    aged = home_job("aged_out_job")
    add("aged_out_job", aged, note=f"job_name={aged.latest.name}; absent from lakeflow.jobs")
    deleted = home_job("deleted_job")
    add("deleted_job", deleted, note=f"deleted at {_iso(deleted.deleted_ms)}")
    renamed = home_job("renamed_job")
    add("renamed_job", renamed, note=f"{renamed.versions[0].name} -> {renamed.latest.name}")
    for j in world.jobs:
        if "shared_job_id" in j.notes:
            add("shared_job_id", j, note=j.latest.name)

    clock = world.clock
    duration = runs.end - runs.start
    finished = (runs.result >= 0) & (runs.end <= clock.cutoff_ms)
    long_job = home_job("long_run")
    longest = np.flatnonzero((runs.job == long_job.idx) & finished & (duration > HOUR))
    for i in longest[np.argsort(-duration[longest])][:2]:
        add("long_run", long_job, runs.run_id[i], f"{duration[i] / HOUR:.1f} h")
    for note, text in (("active_run", "in the API; no timeline row yet"),
                       ("active_long_run", "in the API; completed hourly slices but no end row"),
                       ("recently_finished_run", "finished in the API; no end row in the timeline yet"),
                       ("queued_run", "QUEUED in the API behind the active long run; no timeline row")):
        for i in np.flatnonzero(runs.note == gen_runs.NOTE[note]):
            add(note, world.jobs[runs.job[i]], runs.run_id[i], text)

    repaired_runs = np.unique(segs.run[segs.kind == 1])
    flagged = [i for i in repaired_runs if runs.note[i] == gen_runs.NOTE["repaired_run"]]
    for i in (flagged + [i for i in repaired_runs.tolist() if i not in flagged][:2]):
        add("repaired_run", world.jobs[runs.job[i]], runs.run_id[i], "two end rows, same run_id")
    retries = np.flatnonzero(runs.trigger == T_RETRY)
    retries = sorted(retries.tolist(), key=lambda i: runs.note[runs.retry_of[i]] != gen_runs.NOTE["retried_run"])
    for i in retries[:3]:
        add("retried_run", world.jobs[runs.job[i]], runs.run_id[i],
            f"retry of run {runs.run_id[runs.retry_of[i]]} (trigger_type ONETIME_RETRY)")

    for case, note in [("failing_streak", "failing_streak"), ("flaky_job", "flaky_job"),
                       ("duration_regression", "duration_regression"), ("late_start", "late_start"),
                       ("missed_schedule", "missed_schedule"), ("sla_job", "sla_job"),
                       ("all_purpose_job", "all_purpose_job"), ("untagged_job", "untagged_job"),
                       ("paused_job", "paused_job")]:
        job = home_job(note)
        add(case, job, note=_job_note(case, job))
    late_job = home_job("late_start")
    late = np.flatnonzero((runs.job == late_job.idx) & (runs.scheduled >= 0) &
                          (runs.start - runs.scheduled > 5 * 60_000) & (runs.start >= clock.api_start_ms))
    for i in late[-2:]:
        add("late_start", late_job, runs.run_id[i],
            f"started {(runs.start[i] - runs.scheduled[i]) // 60_000} min after its {_iso(runs.scheduled[i])} fire time")
    for j in world.jobs_in(HOME_WORKSPACE_ID):
        if "analyst_visible_job" in j.notes:
            add("analyst_visible_job", j, note="job_acl names analyst@example.com")
        if "team_visible_job" in j.notes:
            add("team_visible_job", j, note="job_grants grants group data-eng")
        if "owned_by_owner" in j.notes:
            add("owned_by_owner", j, note="job_grants: owner@example.com IS_OWNER")
    multi = home_job("long_run")
    add("multi_task_job", multi, note=", ".join(t.key for t in multi.tasks))

    retried_tasks = np.flatnonzero(tasks.attempt == 1)
    home_idx = {j.idx for j in world.jobs_in(HOME_WORKSPACE_ID)}
    retried_tasks = sorted(retried_tasks.tolist(),
                           key=lambda k: (runs.note[tasks.run[k]] != gen_runs.NOTE["task_retry"], runs.job[tasks.run[k]] not in home_idx))
    for k in retried_tasks[:2]:
        job = world.jobs[runs.job[tasks.run[k]]]
        add("task_retry", job, runs.run_id[tasks.run[k]],
            f"task_key={job.tasks[tasks.slot[k]].key}; retry task run {tasks.task_run_id[k]}")

    _usage_cases(con, add, world, price_change_ms)
    insert_arrow(con, "workspace_state.cases", pa.table({
        name: [r[c] for r in rows] for c, name in enumerate(["case_name", "workspace_id", "job_id", "run_id", "note"])}))
    _write_job_plans(con, world)


def _write_job_plans(con, world: World) -> None:
    jobs = world.jobs
    insert_arrow(con, "workspace_state.job_plans", pa.table({
        "workspace_id": [j.workspace_id for j in jobs],
        "job_id": [str(j.job_id) for j in jobs],
        "profile": [j.profile for j in jobs],
        "job_trigger": [j.trigger for j in jobs],
        "compute": [j.compute for j in jobs],
        "quartz_cron_expression": [j.cron.quartz if j.cron else None for j in jobs],
        "timezone_id": [j.cron.timezone if j.cron else None for j in jobs],
        "sla_minutes": pa.array([j.latest.sla_minutes for j in jobs], type=pa.int32()),
        "notes": [",".join(sorted(j.notes)) for j in jobs],
    }))


def _job_note(case: str, job) -> str:
    if case == "sla_job":
        return f"sla_minutes={job.latest.sla_minutes}"
    if case == "all_purpose_job":
        return f"existing_cluster_id={job.existing_cluster_id}"
    if case == "paused_job":
        return f"schedule paused at {_iso(job.paused_since_ms)}"
    if case == "late_start" or case == "missed_schedule":
        return f"schedule {job.cron.quartz} {job.cron.timezone}"
    return job.latest.name


def _usage_cases(con, add, world: World, price_change_ms: int) -> None:
    multi = con.execute(f"""
        SELECT workspace_id, usage_metadata.job_id, usage_metadata.job_run_id, usage_start_time, count(*) AS n
        FROM billing.usage
        WHERE product_features.is_serverless AND billing_origin_product = 'JOBS' AND workspace_id = '{HOME_WORKSPACE_ID}'
        GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, usage_start_time DESC LIMIT 1""").fetchone()
    if multi:
        add("serverless_multi_record_hour", _job_by_id(world, multi[0], multi[1]), multi[2],
            f"{multi[4]} records in the hour starting {multi[3].isoformat()}")
    dlt = con.execute("""SELECT workspace_id, usage_metadata.dlt_pipeline_id FROM billing.usage
                         WHERE billing_origin_product = 'DLT' ORDER BY workspace_id, 2 LIMIT 1""").fetchone()
    add("dlt_usage", None, "", f"dlt_pipeline_id={dlt[1]}", workspace_id=dlt[0])
    corrections = con.execute(f"""
        SELECT r.workspace_id, r.usage_metadata.job_id, r.usage_metadata.job_run_id, r.record_id,
               EXISTS (SELECT 1 FROM billing.usage s WHERE s.record_type = 'RESTATEMENT'
                       AND s.workspace_id = r.workspace_id AND s.usage_start_time = r.usage_start_time
                       AND s.sku_name = r.sku_name
                       AND s.usage_metadata.cluster_id IS NOT DISTINCT FROM r.usage_metadata.cluster_id
                       AND s.usage_metadata.job_run_id IS NOT DISTINCT FROM r.usage_metadata.job_run_id
                       AND s.usage_metadata.warehouse_id IS NOT DISTINCT FROM r.usage_metadata.warehouse_id
                       AND s.usage_metadata.dlt_update_id IS NOT DISTINCT FROM r.usage_metadata.dlt_update_id)
        FROM billing.usage r WHERE r.record_type = 'RETRACTION'
        ORDER BY r.workspace_id <> '{HOME_WORKSPACE_ID}', r.usage_metadata.job_id IS NULL, r.record_id""").fetchall()
    for case, restated in (("retraction_restatement", True), ("retraction_only", False)):
        for ws, job_id, run_id, record_id, has in [c for c in corrections if c[4] == restated][:2]:
            job = _job_by_id(world, ws, job_id) if job_id else None
            add(case, job, run_id or "", f"record_id={record_id}", workspace_id=ws)
    add("price_change", None, "", f"{gen_usage.JOBS_SKU} at {_iso(price_change_ms)}")


def _job_by_id(world: World, workspace_id: str, job_id: str):
    return next(j for j in world.jobs if j.workspace_id == workspace_id and str(j.job_id) == str(job_id))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat()


__all__ = ["SCALES", "Scale", "generate"]
