"""Job runs from the run timeline: a page across jobs, each job's first N runs, and runs by id."""

from __future__ import annotations

from datetime import datetime, timedelta

from gql_monitor.loaders.batching import Fetch, KeyedLoader, SegmentedLoader, group_rows, run_key
from gql_monitor.loaders.params import RUN_FILTER_DEFAULTS, window

RETENTION = timedelta(days=365)


async def fetch_runs_page(fetch: Fetch, filters: dict, start: datetime, end: datetime, limit: int) -> list[dict]:
    return await fetch("runs", {**RUN_FILTER_DEFAULTS, **filters, **window(start, end), "limit": limit})


def runs_by_job_loader(fetch: Fetch) -> SegmentedLoader:
    """Key item: job key. Segment: (limit, start, end, frozen filter items) — one statement per distinct segment."""

    async def load(segment, job_keys: list[str]) -> dict:
        limit, start, end, filters = segment
        rows = await fetch_runs_page(
            fetch, {**dict(filters), "job_keys": job_keys, "per_job": True}, start, end, limit
        )
        return group_rows(rows, lambda row: row["job_key"])

    return SegmentedLoader(load, missing=[])


def runs_by_key_loader(fetch: Fetch, now: datetime) -> KeyedLoader:
    async def load(keys: list[str]) -> dict:
        rows = await fetch_runs_page(fetch, {"run_keys": keys}, now - RETENTION, now + timedelta(days=1), len(keys))
        return {run_key(row): row for row in rows}

    return KeyedLoader(load)
