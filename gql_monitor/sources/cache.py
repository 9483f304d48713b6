"""Answers cached across requests: encoded bytes, bounded by their size.

Keys are built here and only here, from primitive values: a version, the caller's partition (their user in OBO mode,
`app` when every caller sees the app's data), the question and its parameters. Never from object reprs: aiocache's
default key is `str(args)`, and CPython reuses object addresses, which once served one user another's answer.

Concurrent misses for one key share one computation (single flight), so twenty requests arriving together for a cold
dashboard send one statement. Values are stored pickled: every reader gets its own copy, the Redis backend works the
same as memory, and what an entry costs is the length of its bytes. A cached answer kept as Python objects costs
several times its encoded size (a 1.58 MB response took 10.7 MB), so the memory store keeps bytes only and is bounded
by their total (`GQL_MONITOR_CACHE_MAX_BYTES`), evicting the least recently used first; the entry count bounds
bookkeeping of tiny entries too. One store (one budget) serves both the answers and the whole responses.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import pickle
import time
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Awaitable, Callable, TypeVar

from gql_monitor.clock import Clock, system_clock
from gql_monitor.principal import Principal
from gql_monitor.request_stats import RequestStats

log = logging.getLogger(__name__)
T = TypeVar("T")
KEY_VERSION = "v1"
# What an entry costs beyond its key and value bytes: the OrderedDict node, the tuple, the objects' headers.
ENTRY_OVERHEAD_BYTES = 200
# One entry may take at most this share of the budget, so one huge answer cannot flush everything else.
MAX_ENTRY_SHARE = 8
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, Decimal):
        return ["dec", str(value)]
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cache key parts must be plain values, got {type(value).__name__}")


def cache_key(partition: str, question: str, params: dict[str, Any]) -> str:
    payload = json.dumps([KEY_VERSION, partition, question, _canonical(params)], separators=(",", ":"))
    return f"gqlm:{KEY_VERSION}:{question}:" + hashlib.sha256(payload.encode()).hexdigest()


class MemoryStore:
    """Encoded entries in this process, bounded by their total size in bytes, least recently used evicted first."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES, max_entries: int = 5000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_bytes <= 0 or max_entries <= 0:
            raise ValueError("a cache budget must be positive")
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_entry_bytes = max_bytes // MAX_ENTRY_SHARE
        self.bytes = 0
        self._clock = clock
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    @staticmethod
    def size_of(key: str, blob: bytes) -> int:
        return len(key.encode()) + len(blob) + ENTRY_OVERHEAD_BYTES

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        blob, expires_at = entry
        if expires_at <= self._clock():
            self._remove(key)
            return None
        self._entries.move_to_end(key)
        return blob

    async def set(self, key: str, blob: bytes, ttl_seconds: float) -> bool:
        """Keep the entry; False (and nothing kept under the key) when it is larger than one entry's share."""
        self._remove(key)
        size = self.size_of(key, blob)
        if size > self.max_entry_bytes:
            return False
        self._entries[key] = (blob, self._clock() + ttl_seconds)
        self.bytes += size
        while self.bytes > self.max_bytes or len(self._entries) > self.max_entries:
            self._remove(next(iter(self._entries)))
        return True

    async def delete(self, key: str) -> None:
        self._remove(key)

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= self.size_of(key, entry[0])

    def keys(self) -> list[str]:
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    async def close(self) -> None:
        self._entries.clear()
        self.bytes = 0


class RedisStore:
    """Encoded entries in Redis, shared by replicas; Redis's own `maxmemory` policy bounds it."""

    def __init__(self, redis_url: str) -> None:
        from urllib.parse import urlparse

        from aiocache import Cache
        from aiocache.serializers import BaseSerializer

        class _Bytes(BaseSerializer):
            DEFAULT_ENCODING = None  # values are bytes already; aiocache must not decode them as text

            def dumps(self, value: bytes) -> bytes:
                return value

            def loads(self, value: bytes | None) -> bytes | None:
                return value

        url = urlparse(redis_url)
        self._cache = Cache(
            Cache.REDIS, endpoint=url.hostname or "127.0.0.1", port=url.port or 6379,
            db=int((url.path or "/0").lstrip("/") or 0), password=url.password, serializer=_Bytes(), namespace="",
        )

    async def get(self, key: str) -> bytes | None:
        return await self._cache.get(key)

    async def set(self, key: str, blob: bytes, ttl_seconds: float) -> bool:
        await self._cache.set(key, blob, ttl=ttl_seconds)
        return True

    async def delete(self, key: str) -> None:
        await self._cache.delete(key)

    def __len__(self) -> int:
        return 0

    async def close(self) -> None:
        await self._cache.close()


class AnswerCache:
    def __init__(self, *, store: MemoryStore | None = None, redis_url: str | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, max_entries: int = 5000,
                 max_entry_bytes: int | None = None, clock: Clock = system_clock) -> None:
        # Stamps when an answer was fetched (reported as oldestAnswerFetchedAt). Expiry itself is elapsed time, kept
        # on the monotonic clock by MemoryStore or by Redis, never by this clock.
        self._clock = clock
        if redis_url:
            self._store: MemoryStore | RedisStore = RedisStore(redis_url)
        else:
            self._store = store if store is not None else MemoryStore(max_bytes=max_bytes, max_entries=max_entries)
        # A cap of this cache's own, below the store's per-entry share (e.g. whole responses).
        self._max_entry_bytes = max_entry_bytes
        self._in_flight: dict[str, asyncio.Future] = {}

    async def get_or_compute(
        self, key: str, ttl_seconds: int, compute: Callable[[], Awaitable[T]], stats: RequestStats | None = None
    ) -> T:
        cached = await self.get(key)
        if cached is not None:
            fetched_at, value = cached
            if stats is not None:
                stats.note_cache_hit(fetched_at)
            return value
        pending = self._in_flight.get(key)
        if pending is not None:
            try:
                fetched_at, blob = await asyncio.shield(pending)
            except asyncio.CancelledError:
                # The request computing it was cancelled, not this one: compute it here instead.
                if pending.cancelled() and not asyncio.current_task().cancelling():
                    return await self.get_or_compute(key, ttl_seconds, compute, stats)
                raise
            if stats is not None:
                stats.note_cache_hit(fetched_at)
            return pickle.loads(blob)[1]  # a copy of its own, as from the store
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await compute()
            fetched_at = self._clock().timestamp()
            blob = self._encode(fetched_at, value)
            await self._set(key, blob, ttl_seconds)
            future.set_result((fetched_at, blob))
            return value
        except asyncio.CancelledError:
            future.cancel()  # waiters of other requests compute it themselves rather than inherit the cancellation
            raise
        except BaseException as exc:
            # Failures are not cached: the next request tries again.
            future.set_exception(exc)
            future.exception()  # mark retrieved when nobody else waits
            raise
        finally:
            self._in_flight.pop(key, None)

    async def get(self, key: str):
        """(fetched_at, value) or None."""
        try:
            blob = await self._store.get(key)
        except Exception:  # a cache outage must not take the API down; it only costs statements
            log.warning("cache read failed", exc_info=True)
            return None
        return pickle.loads(blob) if blob is not None else None

    async def put(self, key: str, value, ttl_seconds: int) -> None:
        await self._set(key, self._encode(self._clock().timestamp(), value), ttl_seconds)

    async def forget(self, key: str) -> None:
        """Drops an answer known to be stale, so the next reader asks its source."""
        try:
            await self._store.delete(key)
        except Exception:
            log.warning("cache delete failed", exc_info=True)

    @staticmethod
    def _encode(fetched_at: float, value) -> bytes:
        return pickle.dumps((fetched_at, value), protocol=pickle.HIGHEST_PROTOCOL)

    async def _set(self, key: str, blob: bytes, ttl_seconds: int) -> None:
        try:
            if self._max_entry_bytes is not None and len(blob) > self._max_entry_bytes:
                await self._store.delete(key)
                return
            await self._store.set(key, blob, ttl_seconds)
        except Exception:
            log.warning("cache write failed", exc_info=True)

    @property
    def store(self) -> MemoryStore | RedisStore:
        return self._store

    def __len__(self) -> int:
        return len(self._store)

    async def close(self) -> None:
        await self._store.close()
class CachedWarehouse:
    """The warehouse's `fetch`, answered from the cache when the same caller partition asked recently."""

    def __init__(self, warehouse, cache: AnswerCache, ttl_seconds: int) -> None:
        self._warehouse = warehouse
        self._cache = cache
        self._ttl = ttl_seconds

    async def fetch(self, name: str, params: dict, principal: Principal, stats: RequestStats | None = None):
        if self._ttl <= 0:
            return await self._warehouse.fetch(name, params, principal, stats)
        key = cache_key(principal.partition, name, params)
        return await self._cache.get_or_compute(
            key, self._ttl, lambda: self._warehouse.fetch(name, params, principal, stats), stats
        )
