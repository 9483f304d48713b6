"""Small reference data: the workspaces of the account, and how fresh the system tables are."""

from __future__ import annotations

from datetime import datetime

from gql_monitor.loaders.batching import Fetch, SharedLoader
from gql_monitor.loaders.params import FRESHNESS_LOOKBACK


def workspaces_loader(fetch: Fetch) -> SharedLoader:
    async def load(ids: list[str]) -> list[dict | None]:
        rows = {row["workspace_id"]: row for row in await fetch("workspaces", {})}
        return [rows.get(workspace_id) for workspace_id in ids]

    return SharedLoader(load_fn=load)


async def fetch_freshness(fetch: Fetch, now: datetime) -> dict:
    rows = await fetch("data_freshness", {"since": now - FRESHNESS_LOOKBACK})
    return rows[0] if rows else {}
