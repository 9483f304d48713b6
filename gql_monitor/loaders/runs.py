"""Job runs from the run timeline: a page across jobs, each job's first N runs, and runs by id."""

from __future__ import annotations

from datetime import datetime, timedelta

from gql_monitor.loaders.batching import Fetch, KeyedLoader, SegmentedLoader, group_rows, run_key
from gql_monitor.costing import SubjectCosts
from gql_monitor.loaders.costs import run_usage_window
from gql_monitor.loaders.params import RETENTION, RUN_FILTER_DEFAULTS, window


async def fetch_runs_page(fetch: Fetch, filters: dict, start: datetime, end: datetime, limit: int) -> list[dict]:
    return await fetch("runs", {**RUN_FILTER_DEFAULTS, **filters, **window(start, end), "limit": limit})


def runs_by_job_loader(fetch: Fetch) -> SegmentedLoader:
    """Key item: job key. Segment: (limit, start, end, frozen filter items) — one statement per distinct segment."""

    async def load(segment, job_keys: list[str]) -> dict:
        rows = await fetch("runs", _page_params(segment, job_keys))
        return group_rows(rows, lambda row: row["job_key"])

    return SegmentedLoader(load, missing=[])


def _page_params(segment, job_keys: list[str]) -> dict:
    limit, start, end, filters = segment
    return {**RUN_FILTER_DEFAULTS, **dict(filters), "job_keys": job_keys, "per_job": True, **window(start, end),
            "limit": limit}


def run_page_costs_loader(fetch: Fetch, now: datetime) -> SegmentedLoader:
    """Costs of the runs each job's runs page holds: same key and segment as runs_by_job, so both go out together."""

    async def load(segment, job_keys: list[str]) -> dict:
        _, start, _, _ = segment
        params = {**_page_params(segment, job_keys), **run_usage_window(start, now)}
        costs = SubjectCosts(await fetch("run_page_costs", params), lambda row: row["run_key"])
        return {job: costs for job in job_keys}

    return SegmentedLoader(load)


def run_page_tasks_loader(fetch: Fetch) -> SegmentedLoader:
    """Task runs of the runs each job's runs page holds: same key and segment as runs_by_job."""

    async def load(segment, job_keys: list[str]) -> dict:
        rows = await fetch("run_page_task_runs", _page_params(segment, job_keys))
        by_job = group_rows(rows, lambda row: f"{row['workspace_id']}:{row['job_id']}")
        return {
            job: group_rows(job_rows, lambda r: f"{r['workspace_id']}:{r['job_run_id']}")
            for job, job_rows in by_job.items()
        }

    return SegmentedLoader(load, missing={})


def runs_by_key_loader(fetch: Fetch, now: datetime) -> KeyedLoader:
    async def load(keys: list[str]) -> dict:
        rows = await fetch_runs_page(fetch, {"run_keys": keys}, now - RETENTION, now + timedelta(days=1), len(keys))
        return {run_key(row): row for row in rows}

    return KeyedLoader(load)
