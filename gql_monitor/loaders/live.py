"""What the Jobs API knows now, asked only for the runs a query selects: details (state, error, repairs) and
task outputs (error messages). Deduplicated by the DataLoader; concurrency is bounded in the JobsApi source."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from gql_monitor.loaders.batching import SharedLoader

JsonObject = dict
Get = Callable[[int], Awaitable[JsonObject | None]]


def _per_id_loader(get: Get) -> SharedLoader:
    async def load(ids: list[int]) -> list[JsonObject | None | BaseException]:
        # One failing call fails only its own key (the DataLoader raises a returned exception from that key's load):
        # the other runs keep their live fields.
        return list(await asyncio.gather(*(get(run_id) for run_id in ids), return_exceptions=True))

    return SharedLoader(load_fn=load)


def run_details_loader(get_run: Get) -> SharedLoader:
    return _per_id_loader(get_run)


def run_output_loader(get_run_output: Get) -> SharedLoader:
    return _per_id_loader(get_run_output)
