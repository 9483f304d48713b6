"""Batching helpers shared by the loaders.

A segmented loader's key names an item and a segment (loaders/keys.py): keys of one segment share everything but the
item (same window, same filter, same page size), so each segment is one warehouse statement over all its items, and
the segments of one batch run concurrently. A keyed loader has one segment: every key of a batch goes into one statement.

Every loader is a SharedLoader: its answers are awaited by many fields at once (the loader deduplicates keys, and a
page's look-ahead is awaited by every run of the page), and graphql-core cancels the sibling fields of a field whose
error nulls their parent. A cancelled field must stop waiting without cancelling the answer the others wait for.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any, Awaitable, Callable, Generator, Generic, Hashable, Iterable, TypeVar

from strawberry.dataloader import DataLoader

from gql_monitor.questions import Question, Row

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
Q = TypeVar("Q", bound=Question)
# The warehouse's answer to a question, as the operation's caller, counted in its stats.
Fetch = Callable[[Question], Awaitable[list[Row]]]


class Shared(Generic[T]):
    """A loader's answer that any number of fields may await, each await shielded from the others' cancellation."""

    __slots__ = ("_future",)

    def __init__(self, future: asyncio.Future) -> None:
        self._future = future

    def __await__(self) -> Generator[Any, None, T]:
        return asyncio.shield(self._future).__await__()


class SharedLoader(DataLoader[K, T]):
    """A DataLoader whose answers survive the cancellation of any one awaiter (see the module's docstring)."""

    def load(self, key: K) -> Shared[T]:  # type: ignore[override]
        return Shared(super().load(key))

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[T]]:  # type: ignore[override]
        return asyncio.gather(*(asyncio.shield(super(SharedLoader, self).load(key)) for key in keys))


class SegmentedLoader(SharedLoader[K, T]):
    """DataLoader over keys that name an item and a segment (`split(key)` is `(segment, item)`);
    `load_segment(segment, items)` returns {item: result}."""

    def __init__(self, split: Callable[[K], tuple[Hashable, Hashable]],
                 load_segment: Callable[[Any, list], Awaitable[dict]], missing: Any = None) -> None:
        async def load_fn(keys: list[K]) -> list[T]:
            parts = [split(key) for key in keys]
            segments: dict[Hashable, list] = defaultdict(list)
            for segment, item in parts:
                segments[segment].append(item)
            results = await asyncio.gather(*(load_segment(seg, items) for seg, items in segments.items()))
            by_segment = dict(zip(segments, results))
            return [by_segment[segment].get(item, missing) for segment, item in parts]

        super().__init__(load_fn=load_fn)


class KeyedLoader(SharedLoader[K, T]):
    """DataLoader whose keys are the items themselves; `load_items(items)` returns {item: result}."""

    def __init__(self, load_items: Callable[[list[K]], Awaitable[dict]], missing: Any = None) -> None:
        async def load_fn(keys: list[K]) -> list[T]:
            found = await load_items(list(keys))
            return [found.get(key, missing) for key in keys]

        super().__init__(load_fn=load_fn)


class QuestionLoader(SharedLoader[Q, list[Row]]):
    """Whole questions as keys (a page, a breakdown): one statement per distinct question, asked concurrently."""

    def __init__(self, fetch: Fetch) -> None:
        async def load_fn(questions: list[Q]) -> list[list[Row] | BaseException]:
            # Each question fails alone: the DataLoader raises a returned exception from that key's load only.
            return list(await asyncio.gather(*(fetch(question) for question in questions), return_exceptions=True))

        super().__init__(load_fn=load_fn)


def group_rows(rows: Iterable[Row], key: Callable[[Row], K]) -> dict[K, list[Row]]:
    grouped: dict[K, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped
