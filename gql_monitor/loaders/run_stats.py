"""Run statistics per job in a window: counts by result state and duration percentiles."""

from __future__ import annotations

from gql_monitor.loaders.batching import Fetch, SegmentedLoader, group_rows, job_key
from gql_monitor.loaders.params import window


def run_stats_loader(fetch: Fetch) -> SegmentedLoader:
    """Key item: job key. Segment: (start, end)."""

    async def load(segment, job_keys: list[str]) -> dict:
        start, end = segment
        rows = await fetch("run_stats", {"job_keys": job_keys, "run_keys": None, **window(start, end)})
        return group_rows(rows, job_key)

    return SegmentedLoader(load, missing=[])
