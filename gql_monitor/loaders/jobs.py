"""Jobs: a page of the job catalog, and jobs by id (latest SCD2 version, or what else knows an aged-out job)."""

from __future__ import annotations

from datetime import datetime

from gql_monitor.loaders.batching import Fetch, KeyedLoader, job_key
from gql_monitor.loaders.params import JOB_FILTER_DEFAULTS, RETENTION


async def fetch_jobs_page(fetch: Fetch, now: datetime, filters: dict, limit: int) -> list[dict]:
    params = {**JOB_FILTER_DEFAULTS, **filters, "limit": limit, "seen_since": now - RETENTION}
    return await fetch("jobs", params)


def jobs_by_key_loader(fetch: Fetch, now: datetime) -> KeyedLoader:
    async def load(keys: list[str]) -> dict:
        rows = await fetch_jobs_page(
            fetch, now, {"job_keys": keys, "include_deleted": True, "order_by": "ID"}, limit=len(keys)
        )
        return {job_key(row): row for row in rows}

    return KeyedLoader(load)
