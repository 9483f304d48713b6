"""What the Jobs API knows now, asked only for what a query selects: run details (state, error, repairs), task
outputs (error messages), pages of active runs, and which workspace the API serves. Deduplicated by the DataLoader;
concurrency is bounded in the JobsApi source."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable

from gql_monitor.loaders.batching import SharedLoader

JsonObject = dict
Get = Callable[[int], Awaitable[JsonObject | None]]

# The home workspace loader has one question; this is its key.
HOME_WORKSPACE = "home"


@dataclass(frozen=True)
class ActiveRunsPage:
    """One page of the Jobs API's active runs: after `page_token` (None for the first), at most `limit` runs."""

    page_token: str | None
    limit: int


def _per_id_loader(get: Get) -> SharedLoader[int, JsonObject | None]:
    async def load(ids: list[int]) -> list[JsonObject | None | BaseException]:
        # One failing call fails only its own key (the DataLoader raises a returned exception from that key's load):
        # the other runs keep their live fields.
        return list(await asyncio.gather(*(get(run_id) for run_id in ids), return_exceptions=True))

    return SharedLoader(load_fn=load)


def run_details_loader(get_run: Get) -> SharedLoader[int, JsonObject | None]:
    return _per_id_loader(get_run)


def run_output_loader(get_run_output: Get) -> SharedLoader[int, JsonObject | None]:
    return _per_id_loader(get_run_output)


def active_runs_page_loader(
    list_active_runs: Callable[[ActiveRunsPage], Awaitable[JsonObject]],
) -> SharedLoader[ActiveRunsPage, JsonObject]:
    async def load(pages: list[ActiveRunsPage]) -> list[JsonObject | BaseException]:
        return list(await asyncio.gather(*(list_active_runs(page) for page in pages), return_exceptions=True))

    return SharedLoader(load_fn=load)


def home_workspace_loader(home_workspace_id: Callable[[], Awaitable[str | None]]) -> SharedLoader[str, str | None]:
    """The workspace the Jobs API serves (its runs have live fields); asked once per operation."""

    async def load(keys: list[str]) -> list[str | None]:
        workspace_id = await home_workspace_id()
        return [workspace_id for _ in keys]

    return SharedLoader(load_fn=load)
