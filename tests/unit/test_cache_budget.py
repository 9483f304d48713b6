"""The in-memory cache is bounded by bytes: it stores encoded entries, counts each one's size, and evicts the least
recently used until the total is within the budget."""

from __future__ import annotations

import asyncio
import pickle
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from gql_monitor.sources.cache import ENTRY_OVERHEAD_BYTES, AnswerCache, MemoryStore


def run(coroutine):
    return asyncio.run(coroutine)


def entry_size(key: str, blob: bytes) -> int:
    return len(key.encode()) + len(blob) + ENTRY_OVERHEAD_BYTES


def test_the_store_counts_every_byte_it_keeps_and_stays_within_its_budget():
    async def scenario():
        store = MemoryStore(max_bytes=40_000, max_entries=1000)
        kept: dict[str, bytes] = {}
        for i in range(40):
            blob = bytes([i % 256]) * (100 + 74 * i)
            await store.set(f"k{i}", blob, ttl_seconds=60)
            kept[f"k{i}"] = blob
            present = {k: b for k, b in kept.items() if await store.get(k) is not None}
            assert store.bytes == sum(entry_size(k, b) for k, b in present.items())
            assert store.bytes <= 40_000
        # The newest entries survive; the oldest went first.
        assert await store.get("k39") == kept["k39"] and await store.get("k0") is None
        # Replacing an entry counts its new size, not both.
        before = store.bytes
        await store.set("k39", b"x", ttl_seconds=60)
        assert store.bytes == before - entry_size("k39", kept["k39"]) + entry_size("k39", b"x")

    run(scenario())


def test_reading_an_entry_keeps_it_longer_than_unread_ones():
    async def scenario():
        blob = b"y" * 1000
        store = MemoryStore(max_bytes=8 * entry_size("k0", blob), max_entries=1000)  # room for eight
        for i in range(8):
            await store.set(f"k{i}", blob, ttl_seconds=60)
        assert await store.get("k0") == blob  # k0 is now the most recently used
        await store.set("k8", blob, ttl_seconds=60)
        assert await store.get("k1") is None
        assert all([await store.get(f"k{i}") == blob for i in (0, *range(2, 9))])

    run(scenario())


def test_an_entry_larger_than_its_share_is_not_kept_and_expired_entries_free_their_bytes():
    async def scenario():
        clock = [100.0]
        store = MemoryStore(max_bytes=8000, max_entries=1000, clock=lambda: clock[0])
        await store.set("small", b"s" * 100, ttl_seconds=10)
        await store.set("big", b"s" * 500, ttl_seconds=10)
        assert await store.get("big") is not None
        # One entry may take at most an eighth of the budget: a huge answer must not flush everything else.
        assert not await store.set("big", b"b" * 1001, ttl_seconds=10)
        assert await store.get("big") is None, "the older, smaller value must not be served for the refused one"
        assert store.bytes == entry_size("small", b"s" * 100)
        clock[0] += 11
        assert await store.get("small") is None and store.bytes == 0 and len(store) == 0

    run(scenario())


def test_the_entry_count_still_bounds_tiny_entries():
    async def scenario():
        store = MemoryStore(max_bytes=10_000_000, max_entries=5)
        for i in range(20):
            await store.set(f"k{i}", b"", ttl_seconds=60)
        assert len(store) == 5 and store.bytes == sum(entry_size(f"k{i}", b"") for i in range(15, 20))

    run(scenario())


def test_answers_are_stored_encoded_and_each_reader_gets_its_own_copy():
    async def scenario():
        store = MemoryStore(max_bytes=1_000_000, max_entries=100)
        cache = AnswerCache(store=store)
        rows = [{"start": datetime(2026, 11, 20, 12, tzinfo=timezone.utc), "dbus": Decimal("1.25"), "name": "a"}]
        got = await cache.get_or_compute("q", 60, lambda: asyncio.sleep(0, rows))
        assert got == rows
        (key,) = store.keys()
        blob = await store.get(key)
        assert isinstance(blob, bytes) and pickle.loads(blob)[1] == rows
        first = (await cache.get("q"))[1]
        first[0]["name"] = "changed by a reader"
        assert (await cache.get("q"))[1] == rows
        # Two caches may share one store (one budget): the answers and the whole responses.
        responses = AnswerCache(store=store, max_entry_bytes=50)
        await responses.put("r", {"data": "x" * 100}, 60)
        assert await responses.get("r") is None, "larger than the responses' own per-entry cap"
        await responses.put("r", {"d": 1}, 60)
        assert (await responses.get("r"))[1] == {"d": 1} and len(store) == 2

    run(scenario())


@pytest.mark.parametrize("budget", [0, -1])
def test_a_budget_must_be_positive(budget):
    with pytest.raises(ValueError):
        MemoryStore(max_bytes=budget, max_entries=10)
