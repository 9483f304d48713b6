"""Batching helpers shared by the loaders.

A segmented loader's key is (item, segment): keys of one segment share everything but the item (same window, same
filter, same page size), so each segment is one warehouse statement over all its items, and the segments of one
batch run concurrently. A keyed loader has one segment: every key of a batch goes into one statement.

Every loader is a SharedLoader: its answers are awaited by many fields at once (the loader deduplicates keys, and a
page's look-ahead is awaited by every run of the page), and graphql-core cancels the sibling fields of a field whose
error nulls their parent. A cancelled field must stop waiting without cancelling the answer the others wait for.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any, Awaitable, Callable, Generator, Hashable, Iterable

from strawberry.dataloader import DataLoader

Row = dict[str, Any]
Fetch = Callable[[str, dict], Awaitable[list[Row]]]


class Shared:
    """A loader's answer that any number of fields may await, each await shielded from the others' cancellation."""

    __slots__ = ("_future",)

    def __init__(self, future: asyncio.Future) -> None:
        self._future = future

    def __await__(self) -> Generator[Any, None, Any]:
        return asyncio.shield(self._future).__await__()


class SharedLoader(DataLoader):
    """A DataLoader whose answers survive the cancellation of any one awaiter (see the module's docstring)."""

    def load(self, key: Any) -> Shared:  # type: ignore[override]
        return Shared(super().load(key))

    def load_many(self, keys: Iterable[Any]) -> Awaitable[list[Any]]:
        return asyncio.gather(*(asyncio.shield(super(SharedLoader, self).load(key)) for key in keys))


class SegmentedLoader(SharedLoader):
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


class KeyedLoader(SharedLoader):
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
