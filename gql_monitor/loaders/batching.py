"""Batching helpers shared by the loaders.

A segmented loader's key is (item, segment): keys of one segment share everything but the item (same window, same
filter, same page size), so each segment is one warehouse statement over all its items, and the segments of one
batch run concurrently. A keyed loader has one segment: every key of a batch goes into one statement.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any, Awaitable, Callable, Hashable, Iterable

from strawberry.dataloader import DataLoader

Row = dict[str, Any]
Fetch = Callable[[str, dict], Awaitable[list[Row]]]


class SegmentedLoader(DataLoader):
    """DataLoader over `(item, segment)` keys; `load_segment(segment, items)` returns {item: result}."""

    def __init__(self, load_segment: Callable[[Hashable, list], Awaitable[dict]], missing: Any = None) -> None:
        async def load_fn(keys: list[tuple[Hashable, Hashable]]) -> list[Any]:
            segments: dict[Hashable, list] = defaultdict(list)
            for item, segment in keys:
                segments[segment].append(item)
            results = await asyncio.gather(*(load_segment(seg, items) for seg, items in segments.items()))
            by_segment = dict(zip(segments, results))
            return [by_segment[segment].get(item, missing) for item, segment in keys]

        super().__init__(load_fn=load_fn)


class KeyedLoader(DataLoader):
    """DataLoader whose keys are the items themselves; `load_items(items)` returns {item: result}."""

    def __init__(self, load_items: Callable[[list], Awaitable[dict]], missing: Any = None) -> None:
        async def load_fn(keys: list[Hashable]) -> list[Any]:
            found = await load_items(list(keys))
            return [found.get(key, missing) for key in keys]

        super().__init__(load_fn=load_fn)


def group_rows(rows: Iterable[Row], key: Callable[[Row], Hashable]) -> dict[Hashable, list[Row]]:
    grouped: dict[Hashable, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


def job_key(row: Row) -> str:
    return f"{row['workspace_id']}:{row['job_id']}"


def run_key(row: Row) -> str:
    return f"{row['workspace_id']}:{row['run_id']}"
