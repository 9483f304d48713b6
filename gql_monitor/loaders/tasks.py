"""Job tasks (current definition) and task runs of job runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from gql_monitor.loaders.batching import Fetch, KeyedLoader, group_rows, job_key


def tasks_by_job_loader(fetch: Fetch) -> KeyedLoader:
    async def load(job_keys: list[str]) -> dict:
        return group_rows(await fetch("job_tasks", {"job_keys": job_keys}), job_key)

    return KeyedLoader(load, missing=[])


def task_runs_by_run_loader(fetch: Fetch) -> KeyedLoader:
    """Key item: (run key, run start). One statement per batch, pruned at the earliest run start."""

    async def load(items: list[tuple[str, datetime]]) -> dict:
        earliest = min(start for _, start in items) - timedelta(hours=1)
        rows = await fetch("task_runs", {"run_keys": [key for key, _ in items], "window_start": earliest})
        by_run = group_rows(rows, lambda row: f"{row['workspace_id']}:{row['job_run_id']}")
        return {item: by_run.get(item[0], []) for item in items}

    return KeyedLoader(load, missing=[])
