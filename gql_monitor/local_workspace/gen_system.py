"""Writes the lakeflow, compute and access mirrors from the generated truth."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from gql_monitor.local_workspace.gen_common import (
    ACCOUNT_ID, DESCRIPTION_SINCE_MS, HOUR, NEW_COLUMNS_SINCE_MS, PENDING, RESULTS, RUN_TYPES, TERM_CODES,
    TERM_TYPE_OF, TRIGGERS, dict_col, int_col, hour_slice_counts, hour_slices, ts_array,
)
from gql_monitor.local_workspace.gen_runs import MAX_TASKS, JobArrays, Runs, Segments, TaskRuns
from gql_monitor.local_workspace.gen_write import batches, insert_arrow, row_batches, tag_lookup
from gql_monitor.local_workspace.gen_world import WORKSPACES, Job, World

# `compute[].type` in the run timelines: the docs give no value list, so this guesses one value per kind of compute
# (by JobArrays.compute: job cluster, serverless, all-purpose). Readers should match on cluster_id / warehouse_id.
COMPUTE_TYPES = ["CLUSTER", "SERVERLESS", "CLUSTER"]
DBR_VERSIONS = ["15.4.x-scala2.12", "16.4.x-scala2.12", "17.3.x-scala2.13"]
TERM_TYPES = [TERM_TYPE_OF[c] for c in TERM_CODES]
WS_IDS = [w[0] for w in WORKSPACES]


class JobColumns:
    """Per-job string columns as Arrow arrays, so per-row columns are `take`s rather than Python loops."""

    def __init__(self, world: World):
        jobs = world.jobs
        self.ws_index = np.array([WS_IDS.index(j.workspace_id) for j in jobs], dtype=np.int32)
        self.job_ids = [str(j.job_id) for j in jobs]
        self.has_params = np.array([j.has_parameters for j in jobs])
        self.env = pa.array([j.latest.tags.get("env", "prod") for j in jobs])
        self.task_keys = [t.key for j in jobs for t in (j.tasks + [j.tasks[-1]] * (MAX_TASKS - len(j.tasks)))]
        self.run_as = pa.array([j.run_as.user_name for j in jobs])


def version_index(world: World, job: np.ndarray, at_ms: np.ndarray) -> tuple[np.ndarray, list]:
    """Global index of the SCD2 version of each (job, time): the greatest change_time <= time."""
    keys, versions = [], []
    for j in world.jobs:
        for v in j.versions:
            keys.append(j.idx * 2**42 + v.change_ms)
            versions.append(v)
    keys = np.array(keys, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    pos = np.searchsorted(keys[order], job.astype(np.int64) * 2**42 + np.maximum(at_ms, 0), side="right") - 1
    # A run never precedes its job's creation, but clamp so a bad time cannot borrow another job's version.
    first = np.searchsorted(keys[order], job.astype(np.int64) * 2**42, side="left")
    return order[np.maximum(pos, first)], versions


def write_job_run_timeline(con, world: World, ja: JobArrays, cols: JobColumns, runs: Runs, segs: Segments,
                           run_version: np.ndarray, version_names: list[str]) -> None:
    seg_clusters = pa.array(segs.cluster_id, type=pa.string())
    for lo, hi in batches(hour_slice_counts(segs.start, segs.end)):
        _write_job_run_slices(con, world, ja, cols, runs, segs, run_version, version_names, seg_clusters, lo, hi)


def _write_job_run_slices(con, world, ja, cols, runs, segs, run_version, version_names, seg_clusters,
                          lo: int, hi: int) -> None:
    cutoff = world.clock.cutoff_ms
    owner, s, e, last = hour_slices(segs.start[lo:hi], segs.end[lo:hi])
    keep = e <= cutoff
    owner, s, e, last = owner[keep] + lo, s[keep], e[keep], last[keep]
    run = segs.run[owner]
    job = runs.job[run]
    final = last & (segs.result[owner] >= 0)
    new = final & (e >= NEW_COLUMNS_SINCE_MS)
    dur_s = (segs.end[owner] - segs.start[owner]) // 1000
    setup, queue, cleanup = segs.setup_s[owner], segs.queue_s[owner], segs.cleanup_s[owner]
    execution = np.maximum(dur_s - setup - queue - cleanup, 0)
    no_dur = ~new
    table = pa.table({
        "ws": dict_col(cols.ws_index[job], WS_IDS),
        "job_id": dict_col(job, cols.job_ids),
        "run_id": runs.run_id[run],
        "ps": ts_array(s), "pe": ts_array(e),
        "trigger": dict_col(runs.trigger[run], TRIGGERS),
        "result": dict_col(np.where(final, segs.result[owner], -1), RESULTS),
        "run_type": dict_col(runs.run_type[run], RUN_TYPES),
        "run_name": dict_col(run_version[run], version_names),
        "cluster_id": seg_clusters.take(pa.array(owner)),
        "term": dict_col(np.where(final, segs.term[owner], -1), TERM_CODES),
        "has_params": cols.has_params[job],
        "env": cols.env.take(pa.array(job)),
        "run_start": ts_array(runs.start[run]),
        "new_cols": e >= NEW_COLUMNS_SINCE_MS,
        "compute_type": dict_col(ja.compute[job], COMPUTE_TYPES),
        "term_type": dict_col(np.where(new, segs.term[owner], -1), TERM_TYPES),
        "setup": int_col(setup, no_dur), "queue": int_col(queue, no_dur), "run_dur": int_col(dur_s, no_dur),
        "cleanup": int_col(cleanup, no_dur), "execution": int_col(execution, no_dur),
    })
    insert_arrow(con, "lakeflow.job_run_timeline", table, f"""
        '{ACCOUNT_ID}', ws, job_id, CAST(run_id AS VARCHAR), ps, pe, trigger, result, run_type, run_name,
        CASE WHEN cluster_id IS NULL THEN []::VARCHAR[] ELSE [cluster_id] END,
        term,
        CASE WHEN has_params THEN MAP(['env', 'run_date'], [env, strftime(run_start, '%Y-%m-%d')]) END,
        NULL, NULL,
        CASE WHEN new_cols THEN [{{'type': compute_type, 'cluster_id': cluster_id, 'warehouse_id': NULL::VARCHAR}}] END,
        term_type, setup, queue, run_dur, cleanup, execution""")


def write_task_run_timeline(con, world: World, ja: JobArrays, cols: JobColumns, runs: Runs, segs: Segments,
                            tasks: TaskRuns) -> None:
    seg_clusters = pa.array(segs.cluster_id, type=pa.string())
    visible = np.flatnonzero(tasks.result != PENDING)
    for lo, hi in batches(hour_slice_counts(tasks.start[visible], tasks.end[visible])):
        _write_task_slices(con, world, ja, cols, runs, segs, tasks, seg_clusters, visible[lo:hi])


def _write_task_slices(con, world, ja, cols, runs, segs, tasks, seg_clusters, idx: np.ndarray) -> None:
    cutoff = world.clock.cutoff_ms
    owner, s, e, last = hour_slices(tasks.start[idx], tasks.end[idx])
    keep = e <= cutoff
    owner, s, e, last = idx[owner[keep]], s[keep], e[keep], last[keep]
    run = tasks.run[owner]
    job = runs.job[run]
    final = last & (tasks.result[owner] >= 0)
    new = final & (e >= NEW_COLUMNS_SINCE_MS)
    dur_s = (tasks.end[owner] - tasks.start[owner]) // 1000
    level0 = ja.level[job, tasks.slot[owner]] == segs.from_level[tasks.seg[owner]]
    setup = np.where(level0 & (tasks.attempt[owner] == 0), segs.setup_s[tasks.seg[owner]], np.minimum(dur_s // 10, 20))
    setup = np.minimum(setup, dur_s)
    cleanup = np.minimum(np.maximum(dur_s - setup, 0), 3)
    no_dur = ~new
    table = pa.table({
        "ws": dict_col(cols.ws_index[job], WS_IDS),
        "job_id": dict_col(job, cols.job_ids),
        "run_id": tasks.task_run_id[owner],
        "job_run_id": runs.run_id[run],
        "ps": ts_array(s), "pe": ts_array(e),
        "task_key": dict_col(job * MAX_TASKS + tasks.slot[owner], cols.task_keys),
        "cluster_id": seg_clusters.take(pa.array(tasks.seg[owner])),
        "result": dict_col(np.where(final, tasks.result[owner], -1), RESULTS),
        "term": dict_col(np.where(final, tasks.term[owner], -1), TERM_CODES),
        "new_cols": e >= NEW_COLUMNS_SINCE_MS,
        "compute_type": dict_col(ja.compute[job], COMPUTE_TYPES),
        "term_type": dict_col(np.where(new, tasks.term[owner], -1), TERM_TYPES),
        "setup": int_col(setup, no_dur), "cleanup": int_col(cleanup, no_dur),
        "execution": int_col(np.maximum(dur_s - setup - cleanup, 0), no_dur),
    })
    insert_arrow(con, "lakeflow.job_task_run_timeline", table, f"""
        '{ACCOUNT_ID}', ws, job_id, CAST(run_id AS VARCHAR), CAST(job_run_id AS VARCHAR), CAST(job_run_id AS VARCHAR),
        ps, pe, task_key,
        CASE WHEN cluster_id IS NULL THEN []::VARCHAR[] ELSE [cluster_id] END,
        result, term,
        CASE WHEN new_cols THEN [{{'type': compute_type, 'cluster_id': cluster_id, 'warehouse_id': NULL::VARCHAR}}] END,
        term_type, NULL, setup, cleanup, execution""")


# ---------------------------------------------------------------------------------------------------------------
# SCD2 dimensions

_HEALTH = pa.list_(pa.struct([("metric", pa.string()), ("operator", pa.string()), ("value", pa.int64())]))
_JOBS_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("workspace_id", pa.string()), ("job_id", pa.string()), ("name", pa.string()),
    ("creator_id", pa.string()), ("tags", pa.map_(pa.string(), pa.string())), ("run_as", pa.string()),
    ("change_time", pa.timestamp("ms", tz="UTC")), ("delete_time", pa.timestamp("ms", tz="UTC")),
    ("description", pa.string()),
    ("trigger", pa.struct([
        ("file_arrival", pa.struct([("url", pa.string()), ("min_time_between_triggers_seconds", pa.int32()),
                                    ("wait_after_last_change_seconds", pa.int32())])),
        ("periodic", pa.struct([("interval", pa.int32()), ("units", pa.string())])),
        ("continuous", pa.struct([("enabled", pa.bool_())])),
        ("table_update", pa.struct([("table_names", pa.list_(pa.string())),
                                    ("min_time_between_triggers_seconds", pa.int64()),
                                    ("wait_after_last_change_seconds", pa.int64()), ("condition", pa.string())])),
        ("schedule", pa.struct([("quartz_cron_expression", pa.string()), ("timezone_id", pa.string())])),
    ])),
    ("trigger_type", pa.string()), ("run_as_user_name", pa.string()), ("creator_user_name", pa.string()),
    ("paused", pa.bool_()), ("timeout_seconds", pa.int64()), ("health_rules", _HEALTH),
    ("deployment", pa.struct([("kind", pa.string()), ("metadata_file_path", pa.string())])),
    ("create_time", pa.timestamp("ms", tz="UTC")),
])

TRIGGER_TYPE = {"cron": "CRON", "file_arrival": "FILE_ARRIVAL", "continuous": "CONTINUOUS"}


def file_arrival_url(job: Job) -> str:
    return f"s3://acme-landing/{job.tasks[0].path.split('/')[-2]}/incoming/"


def job_trigger_struct(job: Job) -> dict | None:
    if job.trigger == "cron":
        return {"schedule": {"quartz_cron_expression": job.cron.quartz, "timezone_id": job.cron.timezone}}
    if job.trigger == "file_arrival":
        return {"file_arrival": {"url": file_arrival_url(job), "min_time_between_triggers_seconds": 600,
                                 "wait_after_last_change_seconds": 120}}
    if job.trigger == "continuous":
        return {"continuous": {"enabled": True}}
    return None


def health_rules(sla_minutes: int | None) -> list[dict] | None:
    if not sla_minutes:
        return None
    return [{"metric": "RUN_DURATION_SECONDS", "operator": "GREATER_THAN", "value": sla_minutes * 60}]


def write_jobs_scd2(con, world: World) -> None:
    rows, task_rows = [], []
    for job in world.jobs:
        if job.aged_out:
            continue
        previous = None
        for v in job.versions:
            new = v.change_ms >= NEW_COLUMNS_SINCE_MS
            rows.append({
                "account_id": ACCOUNT_ID, "workspace_id": job.workspace_id, "job_id": str(job.job_id),
                "name": v.name, "creator_id": job.creator.principal_id, "tags": list(v.tags.items()),
                "run_as": job.run_as.principal_id, "change_time": v.change_ms,
                "delete_time": v.change_ms if v.deleted else None,
                "description": v.description if v.change_ms >= DESCRIPTION_SINCE_MS else None,
                "trigger": job_trigger_struct(job) if new else None,
                "trigger_type": TRIGGER_TYPE.get(job.trigger) if new else None,
                "run_as_user_name": job.run_as.user_name if new else None,
                "creator_user_name": job.creator.user_name if new else None,
                "paused": v.paused if new else None,
                "timeout_seconds": v.timeout_seconds if new else None,
                "health_rules": health_rules(v.sla_minutes) if new else None,
                "deployment": ({"kind": "BUNDLE", "metadata_file_path":
                                f"/Workspace/Users/{job.creator.user_name}/.bundle/{job.job_id}/state/metadata.json"}
                               if new and job.deployment_bundle else None),
                "create_time": job.created_ms if new else None,
            })
            if previous is None or v.deleted or v.timeout_seconds != previous.timeout_seconds:
                task_rows.extend(_task_rows(job, v))
            previous = v
    insert_arrow(con, "lakeflow.jobs", pa.Table.from_pylist(rows, schema=_JOBS_SCHEMA))
    insert_arrow(con, "lakeflow.job_tasks", pa.Table.from_pylist(task_rows, schema=pa.schema([
        ("account_id", pa.string()), ("workspace_id", pa.string()), ("job_id", pa.string()),
        ("task_key", pa.string()), ("depends_on_keys", pa.list_(pa.string())),
        ("change_time", pa.timestamp("ms", tz="UTC")), ("delete_time", pa.timestamp("ms", tz="UTC")),
        ("timeout_seconds", pa.int64()), ("health_rules", _HEALTH)])))


def _task_rows(job: Job, v) -> list[dict]:
    new = v.change_ms >= NEW_COLUMNS_SINCE_MS
    return [{
        "account_id": ACCOUNT_ID, "workspace_id": job.workspace_id, "job_id": str(job.job_id), "task_key": t.key,
        "depends_on_keys": list(t.depends_on), "change_time": v.change_ms,
        "delete_time": v.change_ms if v.deleted else None,
        "timeout_seconds": (t.timeout_seconds or v.timeout_seconds) if new else None,
        "health_rules": None,
    } for t in job.tasks]


def write_workspaces(con, world: World) -> None:
    table = pa.table({
        "account_id": [ACCOUNT_ID] * len(WORKSPACES),
        "workspace_id": [w[0] for w in WORKSPACES],
        "workspace_name": [w[1] for w in WORKSPACES],
        "workspace_url": [w[2] for w in WORKSPACES],
        "create_time": ts_array(np.array([world.clock.window_start_ms - (900 - 200 * i) * 24 * HOUR
                                          for i in range(len(WORKSPACES))])),
        "status": ["RUNNING"] * len(WORKSPACES),
    })
    insert_arrow(con, "access.workspaces_latest", table)


# ---------------------------------------------------------------------------------------------------------------
# compute.clusters


def write_clusters(con, world: World, ja: JobArrays, cols: JobColumns, runs: Runs, segs: Segments,
                   pipeline_clusters: dict) -> None:
    """Job clusters (one per classic run execution), the shared all-purpose clusters, and DLT update clusters."""
    classic = np.flatnonzero((ja.compute[runs.job[segs.run]] == 0) & (segs.start <= world.clock.cutoff_ms))
    with tag_lookup(con, [list(j.latest.tags.items()) for j in world.jobs]) as tags:
        for lo, hi in row_batches(len(classic)):
            _insert_job_clusters(con, world, cols, runs, segs, classic[lo:hi], tags)
    rows = []
    for c in world.clusters:
        rows.append(_cluster_row(c.workspace_id, c.cluster_id, c.name, c.owner.user_name, c.created_ms, c.node_type,
                                 None, c.min_workers, c.max_workers, 120, c.tags, c.source, "USER_ISOLATION"))
    for cid, (p, created) in pipeline_clusters.items():
        rows.append(_cluster_row(p.workspace_id, cid, f"dlt-execution-{p.pipeline_id}", p.run_as.user_name, created,
                                 p.node_type, None, 1, 5, 0, p.tags, "PIPELINE", "SINGLE_USER"))
    insert_arrow(con, "compute.clusters", pa.Table.from_pylist(rows, schema=_CLUSTER_SCHEMA))


def _insert_job_clusters(con, world: World, cols: JobColumns, runs: Runs, segs: Segments, part: np.ndarray,
                         tags: str) -> None:
    jobs = world.jobs
    job = runs.job[segs.run[part]]
    table = pa.table({
        "ws": dict_col(cols.ws_index[job], WS_IDS),
        "cluster_id": pa.array(segs.cluster_id[part], type=pa.string()),
        "job_id": dict_col(job, cols.job_ids),
        "run_id": runs.run_id[segs.run[part]],
        "owner": cols.run_as.take(pa.array(job)),
        "created": ts_array(segs.start[part]),
        "node_type": dict_col(job, [j.node_type for j in jobs]),
        "workers": np.array([j.workers for j in jobs], dtype=np.int64)[job],
        "tagset": job.astype(np.int32),
        "dbr": dict_col(job, [DBR_VERSIONS[j.job_id % len(DBR_VERSIONS)] for j in jobs]),
    })
    insert_arrow(con, "compute.clusters", table, f"""
        '{ACCOUNT_ID}', ws, cluster_id, 'job-' || job_id || '-run-' || run_id, owner, created, NULL, node_type,
        node_type, workers, NULL, NULL, 0, true, {tags}, 'JOB', NULL,
        {{'first_on_demand': 1, 'availability': 'SPOT_WITH_FALLBACK', 'zone_id': 'auto'}}, NULL, NULL, NULL, NULL,
        dbr, created, created::DATE, 'SINGLE_USER', NULL""")


_CLUSTER_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("workspace_id", pa.string()), ("cluster_id", pa.string()),
    ("cluster_name", pa.string()), ("owned_by", pa.string()), ("create_time", pa.timestamp("ms", tz="UTC")),
    ("delete_time", pa.timestamp("ms", tz="UTC")), ("driver_node_type", pa.string()),
    ("worker_node_type", pa.string()), ("worker_count", pa.int64()), ("min_autoscale_workers", pa.int64()),
    ("max_autoscale_workers", pa.int64()), ("auto_termination_minutes", pa.int64()),
    ("enable_elastic_disk", pa.bool_()), ("tags", pa.map_(pa.string(), pa.string())),
    ("cluster_source", pa.string()), ("init_scripts", pa.list_(pa.string())),
    ("aws_attributes", pa.struct([("first_on_demand", pa.int64()), ("availability", pa.string()),
                                  ("zone_id", pa.string())])),
    ("azure_attributes", pa.struct([("first_on_demand", pa.int64()), ("availability", pa.string())])),
    ("gcp_attributes", pa.struct([("use_preemptible_executors", pa.bool_()), ("availability", pa.string())])),
    ("driver_instance_pool_id", pa.string()), ("worker_instance_pool_id", pa.string()),
    ("dbr_version", pa.string()), ("change_time", pa.timestamp("ms", tz="UTC")), ("change_date", pa.date32()),
    ("data_security_mode", pa.string()), ("policy_id", pa.string()),
])


def _cluster_row(ws, cid, name, owner, created_ms, node_type, workers, min_w, max_w, auto_term, tags, source, mode):
    import datetime as _dt
    return {
        "account_id": ACCOUNT_ID, "workspace_id": ws, "cluster_id": cid, "cluster_name": name, "owned_by": owner,
        "create_time": created_ms, "delete_time": None, "driver_node_type": node_type, "worker_node_type": node_type,
        "worker_count": workers, "min_autoscale_workers": min_w, "max_autoscale_workers": max_w,
        "auto_termination_minutes": auto_term, "enable_elastic_disk": True, "tags": list(tags.items()),
        "cluster_source": source, "init_scripts": None,
        "aws_attributes": {"first_on_demand": 1, "availability": "SPOT_WITH_FALLBACK", "zone_id": "auto"},
        "azure_attributes": None, "gcp_attributes": None, "driver_instance_pool_id": None,
        "worker_instance_pool_id": None, "dbr_version": "16.4.x-scala2.12", "change_time": created_ms,
        "change_date": _dt.datetime.fromtimestamp(created_ms / 1000, tz=_dt.timezone.utc).date(),
        "data_security_mode": mode, "policy_id": None,
    }
