"""Cancelling one awaiter of a loader's answer never cancels the answer for the others.

graphql-core cancels the sibling fields of a field whose error nulls their parent; other fields of the same response
may wait on the same DataLoader future (the loader deduplicates keys) or on one look-ahead shared by a whole page.
"""

from __future__ import annotations

import asyncio

import pytest

from gql_monitor.loaders.batching import KeyedLoader, SegmentedLoader, SharedLoader


async def _slow_items(items: list) -> dict:
    await asyncio.sleep(0.05)
    return {item: f"value of {item}" for item in items}


async def _slow_segment(segment, items: list) -> dict:
    await asyncio.sleep(0.05)
    return {item: (segment, item) for item in items}


def _item_then_segment(key: tuple) -> tuple:
    item, segment = key
    return segment, item


async def _slow_list(keys: list) -> list:
    await asyncio.sleep(0.05)
    return [f"value of {key}" for key in keys]


async def _cancel_one_of_two(first_awaitable, second_awaitable):
    cancelled = asyncio.ensure_future(first_awaitable)
    kept = asyncio.ensure_future(second_awaitable)
    await asyncio.sleep(0.01)
    cancelled.cancel()
    value = await kept
    with pytest.raises(asyncio.CancelledError):
        cancelled.result()
    return value


async def test_a_cancelled_load_leaves_the_same_key_loading_for_others():
    loader = KeyedLoader(_slow_items)
    assert await _cancel_one_of_two(loader.load("a"), loader.load("a")) == "value of a"
    # and the answer stays cached for later loads
    assert await loader.load("a") == "value of a"


async def test_a_cancelled_segment_load_leaves_the_batch_running():
    loader = SegmentedLoader(_item_then_segment, _slow_segment)
    assert await _cancel_one_of_two(loader.load(("a", 1)), loader.load(("a", 1))) == (1, "a")


async def test_a_plain_shared_loader_too():
    loader = SharedLoader(load_fn=_slow_list)
    assert await _cancel_one_of_two(loader.load("x"), loader.load("x")) == "value of x"
    assert await _cancel_one_of_two(loader.load_many(["y", "z"]), loader.load("y")) == "value of y"


async def test_one_answer_awaited_by_many_fields_survives_one_cancelled_field():
    # Job.runs hands one look-ahead answer to every run of the page; each run's field awaits it.
    loader = KeyedLoader(_slow_items)
    page_answer = loader.load("page")

    async def field():
        return await page_answer

    assert await _cancel_one_of_two(field(), field()) == "value of page"
    assert await field() == "value of page"


async def test_a_cancelled_request_does_not_cancel_another_requests_shared_statement():
    # Concurrent misses share one computation across requests; when the request that started it is cancelled
    # (its client went away, or graphql-core cancelled its field), the others must still get an answer.
    from gql_monitor.sources.cache import AnswerCache

    cache = AnswerCache()
    calls = []

    async def compute():
        calls.append(1)
        await asyncio.sleep(0.05)
        return "answer"

    value = await _cancel_one_of_two(cache.get_or_compute("k", 60, compute), cache.get_or_compute("k", 60, compute))
    assert value == "answer"
    assert len(calls) == 2  # the survivor asked again rather than inheriting the cancellation
