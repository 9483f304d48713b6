"""billing.usage and billing.list_prices from the generated runs and the shared compute."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import numpy as np
import pyarrow as pa

from gql_monitor.local_workspace.gen_common import (
    ACCOUNT_ID, DAY, HOUR, MINUTE, USAGE_JOB_NAME_SINCE_MS, dict_col, hour_slice_counts, hour_slices, nano_decimal,
    ts_array,
)
from gql_monitor.local_workspace.gen_runs import JobArrays, Runs, Segments
from gql_monitor.local_workspace.gen_system import WS_IDS, JobColumns
from gql_monitor.local_workspace.gen_usage_rows import UsageRows, part, with_columns
from gql_monitor.local_workspace.gen_world import World, cluster_id_for
from gql_monitor.local_workspace.gen_write import batches, insert_arrow, row_batches, tag_lookup

JOBS_SKU = "PREMIUM_JOBS_COMPUTE"
JOBS_PHOTON_SKU = "PREMIUM_JOBS_COMPUTE_(PHOTON)"
SERVERLESS_SKU = "PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA"
ALL_PURPOSE_SKU = "PREMIUM_ALL_PURPOSE_COMPUTE"
ALL_PURPOSE_PHOTON_SKU = "PREMIUM_ALL_PURPOSE_COMPUTE_(PHOTON)"
SQL_SKU = "PREMIUM_SQL_PRO_COMPUTE_US_EAST_N_VIRGINIA"

# (sku, list price per DBU, promotional price); prices are decimal strings so they stay exact.
PRICES = [
    (JOBS_SKU, "0.15", "0.15"), (JOBS_PHOTON_SKU, "0.15", "0.15"), (SERVERLESS_SKU, "0.35", "0.30"),
    (ALL_PURPOSE_SKU, "0.55", "0.55"), (ALL_PURPOSE_PHOTON_SKU, "0.55", "0.55"),
    ("PREMIUM_DLT_CORE_COMPUTE", "0.20", "0.20"), ("PREMIUM_DLT_CORE_COMPUTE_(PHOTON)", "0.20", "0.20"),
    ("PREMIUM_DLT_PRO_COMPUTE", "0.25", "0.25"), ("PREMIUM_DLT_PRO_COMPUTE_(PHOTON)", "0.25", "0.25"),
    ("PREMIUM_DLT_ADVANCED_COMPUTE", "0.36", "0.36"), ("PREMIUM_DLT_ADVANCED_COMPUTE_(PHOTON)", "0.36", "0.36"),
    (SQL_SKU, "0.55", "0.55"),
]
JOBS_NEW_PRICE = "0.17"
PRICES_SINCE_MS = int(datetime(2023, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)
SKUS = [p[0] for p in PRICES]
PRODUCTS = ["JOBS", "ALL_PURPOSE", "DLT", "SQL"]
RECORD_TYPES = ["ORIGINAL", "RETRACTION", "RESTATEMENT"]
TIERS = ["CLASSIC", "PRO", "CORE", "ADVANCED"]
PERF = ["PERFORMANCE_OPTIMIZED", "STANDARD"]

@dataclass
class UsageResult:
    price_change_ms: int
    pipeline_clusters: dict


class JobUsage:
    """Job compute's usage records: per record, the execution (segment) it bills, its hour and its quantity.

    Millions of records at large scale, so only these three columns are held; the rest of a record follows from its
    execution and is derived a batch of records at a time (`rows`).
    """

    def __init__(self, rng, world: World, ja: JobArrays, runs: Runs, segs: Segments, run_version: np.ndarray):
        self.ja, self.runs, self.segs, self.run_version = ja, runs, segs, run_version
        self.seg, self.hour, self.nanos = _job_records(rng, world, ja, runs, segs, *_billed_hours(world, ja, runs, segs))
        jobs = world.jobs
        self.job_ws = np.array([WS_IDS.index(j.workspace_id) for j in jobs])
        self.job_photon = np.array([j.photon for j in jobs])
        self.job_perf = world_perf(world)
        self.node_types = [j.node_type for j in jobs]
        self.run_as = [j.run_as.user_name for j in jobs]
        self.seg_clusters = pa.array(segs.cluster_id, type=pa.string())

    def __len__(self) -> int:
        return len(self.seg)

    def job(self) -> np.ndarray:
        return self.runs.job[self.segs.run[self.seg]]

    def sku(self, job: np.ndarray) -> np.ndarray:
        serverless = self.ja.compute[job] == 1
        return np.where(serverless, SKUS.index(SERVERLESS_SKU),
                        np.where(self.job_photon[job], SKUS.index(JOBS_PHOTON_SKU), SKUS.index(JOBS_SKU)))

    def rows(self, positions: np.ndarray) -> pa.Table:
        seg, hour, nanos = self.seg[positions], self.hour[positions], self.nanos[positions]
        run = self.segs.run[seg]
        job = self.runs.job[run]
        serverless = self.ja.compute[job] == 1
        n = len(seg)
        return part(
            n, ws=self.job_ws[job], sku=self.sku(job), hour=hour, nanos=nanos, product=np.zeros(n),
            cluster_id=self.seg_clusters.take(pa.array(seg)), job=job, run_id=self.runs.run_id[run],
            version=self.run_version[run],
            node_type=dict_col(np.where(serverless, -1, job), self.node_types).cast(pa.string()),
            run_as=dict_col(job, self.run_as).cast(pa.string()),
            serverless=serverless, photon=pa.array(self.job_photon[job], mask=serverless),
            jobs_tier=np.where(serverless, -1, 0), perf=np.where(serverless, self.job_perf[job], -1),
            name_visible=serverless | (hour >= USAGE_JOB_NAME_SINCE_MS))


def _billed_hours(world: World, ja: JobArrays, runs: Runs, segs: Segments):
    """(execution, hour, milliseconds of it in that hour) for every full hour of job compute in the window."""
    cutoff, w0 = world.clock.cutoff_ms, world.clock.window_start_ms
    comp = ja.compute[runs.job[segs.run]]
    sel = np.flatnonzero((comp <= 1) & (segs.end > segs.start))
    # Hour slices of every execution at once would be several arrays per billed hour; a batch at a time, only the
    # kept ones are.
    pieces = []
    for lo, hi in batches(hour_slice_counts(segs.start[sel], segs.end[sel])):
        owner, s, e, _ = hour_slices(segs.start[sel[lo:hi]], segs.end[sel[lo:hi]])
        hour = s // HOUR * HOUR
        keep = (hour + HOUR <= cutoff) & (hour >= w0) & (e > s)
        pieces.append((sel[lo:hi][owner[keep]], hour[keep], (e - s)[keep]))
    return tuple(np.concatenate([p[i] for p in pieces]) if pieces else np.zeros(0, np.int64) for i in range(3))


def _job_records(rng, world: World, ja: JobArrays, runs: Runs, segs: Segments, seg: np.ndarray, hour: np.ndarray,
                 overlap: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(execution, hour, quantity in billionths of a DBU) of each record billing those hours."""
    job = runs.job[segs.run[seg]]
    serverless = ja.compute[job] == 1
    # Serverless jobs often bill several records per hour for one run; classic job compute bills one per
    # cluster-hour. Every draw is over all records at once, so the values do not depend on the batch size.
    k = np.where(serverless & (overlap > 5 * MINUTE), rng.choice([1, 2, 3], size=len(seg), p=[0.45, 0.35, 0.2]), 1)
    rep = np.repeat(np.arange(len(seg)), k)
    weight = rng.uniform(0.2, 1.0, len(rep))
    share = weight / np.bincount(rep, weights=weight)[rep]
    del weight
    jitter = rng.uniform(0.97, 1.03, len(rep))
    # dbu * overlap / HOUR * share * jitter * 1e9, the same operations in the same order, in place: each temporary
    # is an array of every record.
    quantity = np.array([j.dbu_per_hour for j in world.jobs])[job[rep]]
    quantity *= overlap[rep]
    quantity /= HOUR
    quantity *= share
    del share
    quantity *= jitter
    del jitter
    quantity *= 1e9
    return seg[rep], hour[rep], quantity.astype(np.int64)


def world_perf(world: World) -> np.ndarray:
    return np.array([j.job_id % 2 for j in world.jobs])


def _active_hours(rng, w0: int, cutoff: int, weekday_hours: range, p_weekday: float, p_weekend: float) -> np.ndarray:
    hours = np.arange(w0, cutoff - HOUR + 1, HOUR, dtype=np.int64)
    hod = (hours % DAY) // HOUR
    weekday = ((hours // DAY) + 3) % 7 < 5
    p = np.where(weekday & np.isin(hod, list(weekday_hours)), p_weekday, p_weekend)
    return hours[rng.random(len(hours)) < p]


def _all_purpose_usage(rng, world: World, ja: JobArrays, runs: Runs, segs: Segments, tag_base: int) -> pa.Table:
    """Shared clusters bill per cluster-hour with no job id, whether notebooks or jobs kept them busy."""
    cutoff, w0 = world.clock.cutoff_ms, world.clock.window_start_ms
    shared = np.array([j.existing_cluster_id or "" for j in world.jobs], dtype=object)
    seg_cluster = shared[runs.job[segs.run]]
    parts = []
    for ci, c in enumerate(world.clusters):
        mine = np.flatnonzero(seg_cluster == c.cluster_id)
        _, s, _, _ = hour_slices(segs.start[mine], segs.end[mine])
        job_hours = s // HOUR * HOUR
        hours = np.union1d(_active_hours(rng, max(w0, c.created_ms // HOUR * HOUR), cutoff, range(13, 24), 0.75, 0.06),
                           job_hours[(job_hours >= w0) & (job_hours + HOUR <= cutoff)])
        n = len(hours)
        nanos = (c.dbu_per_hour * rng.uniform(1, c.max_workers + 1, n) * rng.uniform(0.3, 1.0, n) * 1e9).astype(np.int64)
        parts.append(part(
            n, ws=np.full(n, WS_IDS.index(c.workspace_id)), hour=hours, nanos=nanos, product=np.full(n, 1),
            sku=np.full(n, SKUS.index(ALL_PURPOSE_PHOTON_SKU if c.photon else ALL_PURPOSE_SKU)),
            cluster_id=pa.array([c.cluster_id] * n, type=pa.string()), tagset=np.full(n, tag_base + ci),
            node_type=pa.array([c.node_type] * n, type=pa.string()), serverless=np.zeros(n, bool),
            photon=np.full(n, c.photon)))
    return pa.concat_tables(parts)


def _dlt_usage(rng, py: random.Random, world: World, tag_base: int) -> tuple[pa.Table, dict]:
    cutoff, w0 = world.clock.cutoff_ms, world.clock.window_start_ms
    parts, clusters = [], {}
    for pi, p in enumerate(world.pipelines):
        days = np.arange(w0 // DAY, cutoff // DAY + 1)
        if p.continuous:
            starts, ends = days * DAY, days * DAY + DAY - MINUTE
        else:
            starts = days * DAY + p.hour * HOUR + rng.integers(0, 10, len(days)) * MINUTE
            ends = starts + rng.integers(20, 95, len(days)) * MINUTE
        update_ids = [str(py.getrandbits(128).to_bytes(16, "big").hex()) for _ in days]
        update_ids = [f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}" for u in update_ids]
        cluster_of = [cluster_id_for(int(s), py) for s in starts]
        owner, s, e, _ = hour_slices(starts, ends)
        hour = s // HOUR * HOUR
        keep = (hour >= w0) & (hour + HOUR <= cutoff)
        owner, hour, overlap = owner[keep], hour[keep], (e - s)[keep]
        for o in np.unique(owner):
            clusters[cluster_of[o]] = (p, int(starts[o]))
        n = len(owner)
        sku = f"PREMIUM_DLT_{p.edition}_COMPUTE" + ("_(PHOTON)" if p.photon else "")
        parts.append(part(
            n, ws=np.full(n, WS_IDS.index(p.workspace_id)), sku=np.full(n, SKUS.index(sku)), hour=hour,
            nanos=(p.dbu_per_hour * overlap / HOUR * rng.uniform(0.9, 1.1, n) * 1e9).astype(np.int64),
            product=np.full(n, 2), cluster_id=pa.array([cluster_of[o] for o in owner], type=pa.string()),
            pipeline_id=pa.array([p.pipeline_id] * n, type=pa.string()),
            update_id=pa.array([update_ids[o] for o in owner], type=pa.string()),
            node_type=pa.array([p.node_type] * n, type=pa.string()), run_as=pa.array([p.run_as.user_name] * n),
            tagset=np.full(n, tag_base + pi), serverless=np.zeros(n, bool), photon=np.full(n, p.photon),
            dlt_tier=np.full(n, TIERS.index(p.edition))))
    return pa.concat_tables(parts), clusters


def _sql_usage(rng, world: World, tag_base: int) -> pa.Table:
    parts = []
    for wi, w in enumerate(world.warehouses):
        hours = _active_hours(rng, world.clock.window_start_ms, world.clock.cutoff_ms, range(12, 24), 0.85, 0.1)
        n = len(hours)
        parts.append(part(
            n, ws=np.full(n, WS_IDS.index(w.workspace_id)), sku=np.full(n, SKUS.index(SQL_SKU)), hour=hours,
            nanos=(w.dbu_per_hour * rng.uniform(0.15, 1.0, n) * 1e9).astype(np.int64), product=np.full(n, 3),
            warehouse_id=pa.array([w.warehouse_id] * n, type=pa.string()),
            node_type=pa.array(["i3.2xlarge"] * n, type=pa.string()), owned_by=pa.array([w.owner.user_name] * n),
            tagset=np.full(n, tag_base + wi), serverless=np.zeros(n, bool), photon=np.ones(n, bool),
            sql_tier=np.full(n, TIERS.index("PRO"))))
    return pa.concat_tables(parts)


def _corrections(rng, world: World, job_usage: JobUsage, usage: UsageRows) -> pa.Table:
    """RETRACTION (+ RESTATEMENT) records for a few ORIGINAL rows, ingested days later."""
    held = usage.held
    hour = np.concatenate([job_usage.hour, held["hour"].to_numpy()])
    old_enough = hour < world.clock.cutoff_ms - 10 * DAY
    if not old_enough.any():
        old_enough = hour < world.clock.cutoff_ms - DAY
    # Every job-compute record has a job and product JOBS; the held rows say so in their columns.
    home_job_record = np.concatenate([
        job_usage.job_ws[job_usage.job()] == 0,
        (held["ws"].to_numpy() == 0) & (held["job"].to_numpy() >= 0) & (held["product"].to_numpy() == 0)])
    home_jobs = np.flatnonzero(old_enough & home_job_record)
    # One corrected home-workspace job record of each kind, wherever the seed puts the others.
    forced = rng.choice(home_jobs, size=min(2, len(home_jobs)), replace=False)
    pool = np.setdiff1d(np.flatnonzero(old_enough), forced)
    others = rng.choice(pool, size=min(len(pool), max(2, len(pool) // 300)), replace=False)
    split = len(others) * 3 // 4
    full = np.concatenate([forced[:1], others[:split]])
    only = np.concatenate([forced[1:], others[split:]])
    nanos = np.concatenate([job_usage.nanos, held["nanos"].to_numpy()])
    retracted = np.concatenate([full, only])
    delay = rng.integers(2, 9, len(retracted))
    retract = with_columns(usage.take(retracted), nanos=-nanos[retracted],
                           record_type=np.full(len(retracted), 1), ingest_delay=delay)
    restate = with_columns(usage.take(full), nanos=(nanos[full] * rng.uniform(0.6, 0.95, len(full))).astype(np.int64),
                           record_type=np.full(len(full), 2), ingest_delay=delay[:len(full)])
    return pa.concat_tables([retract, restate])


_METADATA_FIELDS = [
    "cluster_id", "job_id", "warehouse_id", "instance_pool_id", "node_type", "job_run_id", "notebook_id",
    "dlt_pipeline_id", "endpoint_name", "endpoint_id", "dlt_update_id", "dlt_maintenance_id", "run_name",
    "job_name", "notebook_path", "central_clean_room_id", "source_region", "destination_region", "app_id",
    "app_name", "metastore_id", "private_endpoint_name", "storage_api_type", "budget_policy_id",
    "ai_runtime_pool_id", "ai_runtime_workload_id", "uc_table_catalog", "uc_table_schema", "uc_table_name",
    "database_instance_id", "sharing_materialization_id", "usage_policy_id", "agent_bricks_id",
    "base_environment_id",
]


def _metadata_sql() -> str:
    given = {"cluster_id": "cluster_id", "job_id": "job_id", "warehouse_id": "warehouse_id",
             "node_type": "node_type", "job_run_id": "CAST(job_run_id AS VARCHAR)", "dlt_pipeline_id": "pipeline_id",
             "dlt_update_id": "update_id", "job_name": "job_name"}
    return "{" + ", ".join(f"'{f}': {given.get(f, 'NULL::VARCHAR')}" for f in _METADATA_FIELDS) + "}"


def write_usage(con, rng, py: random.Random, seed: int, world: World, ja: JobArrays, cols: JobColumns, runs: Runs,
                segs: Segments, run_version: np.ndarray, versions: list) -> UsageResult:
    n_versions = len(versions)
    tag_base_clusters = n_versions
    tag_base_pipelines = tag_base_clusters + len(world.clusters)
    tag_base_warehouses = tag_base_pipelines + len(world.pipelines)
    # The sources draw from `rng` in this order: job compute, DLT, shared clusters, SQL warehouses, corrections.
    job_usage = JobUsage(rng, world, ja, runs, segs, run_version)
    dlt_part, pipeline_clusters = _dlt_usage(rng, py, world, tag_base_pipelines)
    usage = UsageRows(len(job_usage), job_usage.rows, [
        _all_purpose_usage(rng, world, ja, runs, segs, tag_base_clusters),
        dlt_part,
        _sql_usage(rng, world, tag_base_warehouses),
    ])
    usage = usage.extended(_corrections(rng, world, job_usage, usage))
    version_names = [v.name for v in versions]
    tag_sets = [list(v.tags.items()) for v in versions] + [list(c.tags.items()) for c in world.clusters] + \
        [list(p.tags.items()) for p in world.pipelines] + \
        [[("team", "analytics"), ("cost_center", "CC-2040")] for _ in world.warehouses]
    with tag_lookup(con, tag_sets) as tags:
        for lo, hi in row_batches(len(usage)):
            _insert_usage(con, _flat(usage.range(lo, hi), lo, cols, version_names), tags, seed)
    return UsageResult(_price_change_hour(world, job_usage, usage.held), pipeline_clusters)


def _flat(usage: pa.Table, first_seq: int, cols: JobColumns, version_names: list[str]) -> pa.Table:
    """A batch of usage rows in the columns the INSERT reads; `seq` (the row's position) seeds its record_id."""
    job = usage["job"].to_numpy()
    version = usage["version"].to_numpy()
    visible = usage["name_visible"].to_numpy(zero_copy_only=False).astype(bool)
    run_id = usage["run_id"].to_numpy()
    tagset = np.where(version >= 0, version, usage["tagset"].to_numpy())
    return pa.table({
        "seq": np.arange(first_seq, first_seq + len(usage), dtype=np.int64),
        "ws": dict_col(usage["ws"].to_numpy(), WS_IDS),
        "sku": dict_col(usage["sku"].to_numpy(), SKUS),
        "hour": ts_array(usage["hour"].to_numpy()),
        "qty": nano_decimal(usage["nanos"].to_numpy()),
        "cluster_id": usage["cluster_id"],
        "job_id": dict_col(job, cols.job_ids),
        "job_run_id": pa.array(run_id, mask=run_id < 0),
        "job_name": dict_col(np.where(visible & (version >= 0), version, -1), version_names),
        "tagset": tagset.astype(np.int32),
        "warehouse_id": usage["warehouse_id"], "pipeline_id": usage["pipeline_id"],
        "update_id": usage["update_id"], "node_type": usage["node_type"], "run_as": usage["run_as"],
        "owned_by": usage["owned_by"], "serverless": usage["serverless"], "photon": usage["photon"],
        "jobs_tier": dict_col(usage["jobs_tier"].to_numpy(), TIERS),
        "sql_tier": dict_col(usage["sql_tier"].to_numpy(), TIERS),
        "dlt_tier": dict_col(usage["dlt_tier"].to_numpy(), TIERS),
        "perf": dict_col(usage["perf"].to_numpy(), PERF),
        "record_type": dict_col(usage["record_type"].to_numpy(), RECORD_TYPES),
        "ingest_delay": usage["ingest_delay"],
        "product": dict_col(usage["product"].to_numpy(), PRODUCTS),
    })


def _insert_usage(con, piece: pa.Table, tags: str, seed: int) -> None:
    insert_arrow(con, "billing.usage", piece, f"""
            '{ACCOUNT_ID}', ws,
            substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' ||
            substr(h, 21, 12),
            sku, 'AWS', hour, hour + INTERVAL 1 HOUR, hour::DATE, {tags}, 'DBU', qty::DECIMAL(38, 18),
            {_metadata_sql()},
            {{'run_as': run_as, 'created_by': NULL::VARCHAR, 'owned_by': owned_by, 'run_by': NULL::VARCHAR}},
            record_type, (hour::DATE + ingest_delay + CASE WHEN hour(hour) >= 22 THEN 1 ELSE 0 END)::DATE,
            product,
            {{'jobs_tier': jobs_tier, 'sql_tier': sql_tier, 'dlt_tier': dlt_tier, 'is_serverless': serverless,
              'is_photon': photon, 'serving_type': NULL::VARCHAR,
              'networking': NULL::STRUCT(connectivity_type VARCHAR), 'performance_target': perf}},
            'COMPUTE_TIME'""", source=f"(SELECT *, md5('{seed}:' || seq) AS h FROM {{table}})")


def _price_change_hour(world: World, job_usage: JobUsage, held: pa.Table) -> int:
    """An hour boundary inside the window where PREMIUM_JOBS_COMPUTE usage starts exactly at the change."""
    jobs_sku = SKUS.index(JOBS_SKU)
    held_original = (held["sku"].to_numpy() == jobs_sku) & (held["record_type"].to_numpy() == 0)
    candidates = np.unique(np.concatenate([job_usage.hour[job_usage.sku(job_usage.job()) == jobs_sku],
                                           held["hour"].to_numpy()[held_original]]))
    middle = (world.clock.window_start_ms + world.clock.cutoff_ms) // 2
    if not len(candidates):
        return middle // HOUR * HOUR
    return int(candidates[np.argmin(np.abs(candidates - middle))])


def write_list_prices(con, price_change_ms: int) -> None:
    rows = []
    for sku, price, promo in PRICES:
        if sku == JOBS_SKU:
            rows.append(_price_row(sku, PRICES_SINCE_MS, price_change_ms, price, promo))
            rows.append(_price_row(sku, price_change_ms, None, JOBS_NEW_PRICE, JOBS_NEW_PRICE))
        elif sku == SERVERLESS_SKU:
            change = int(datetime(2024, 7, 1, tzinfo=timezone.utc).timestamp() * 1000)
            rows.append(_price_row(sku, PRICES_SINCE_MS, change, "0.37", "0.37"))
            rows.append(_price_row(sku, change, None, price, promo))
        else:
            rows.append(_price_row(sku, PRICES_SINCE_MS, None, price, promo))
    dec = pa.decimal128(38, 18)
    schema = pa.schema([
        ("account_id", pa.string()), ("price_start_time", pa.timestamp("ms", tz="UTC")),
        ("price_end_time", pa.timestamp("ms", tz="UTC")), ("sku_name", pa.string()), ("cloud", pa.string()),
        ("currency_code", pa.string()), ("usage_unit", pa.string()),
        ("pricing", pa.struct([("default", dec), ("promotional", pa.struct([("default", dec)])),
                               ("effective_list", pa.struct([("default", dec)]))])),
    ])
    insert_arrow(con, "billing.list_prices", pa.Table.from_pylist(rows, schema=schema))


def _price_row(sku: str, start_ms: int, end_ms: int | None, price: str, promo: str) -> dict:
    return {"account_id": ACCOUNT_ID, "price_start_time": start_ms, "price_end_time": end_ms, "sku_name": sku,
            "cloud": "AWS", "currency_code": "USD", "usage_unit": "DBU",
            "pricing": {"default": Decimal(price), "promotional": {"default": Decimal(promo)},
                        "effective_list": {"default": Decimal(price)}}}
