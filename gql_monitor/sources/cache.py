"""Answers cached across requests, with aiocache.

Keys are built here and only here, from primitive values: a version, the caller's partition (their user in OBO mode,
`app` when every caller sees the app's data), the question and its parameters. Never from object reprs: aiocache's
default key is `str(args)`, and CPython reuses object addresses, which once served one user another's answer.

Concurrent misses for one key share one computation (single flight), so twenty requests arriving together for a cold
dashboard send one statement. Values are pickled, so every reader gets its own copy and the Redis backend works the
same as memory. The memory backend is bounded by entry count (least recently written entries go first).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Awaitable, Callable, TypeVar

from aiocache import Cache
from aiocache.serializers import NullSerializer, PickleSerializer

from gql_monitor.clock import Clock, system_clock
from gql_monitor.principal import Principal
from gql_monitor.request_stats import RequestStats

log = logging.getLogger(__name__)
T = TypeVar("T")
KEY_VERSION = "v1"


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


class AnswerCache:
    def __init__(self, *, max_entries: int = 5000, redis_url: str | None = None, copy_values: bool = True,
                 clock: Clock = system_clock) -> None:
        # Stamps when an answer was fetched (reported as oldestAnswerFetchedAt). Expiry itself is elapsed time,
        # kept by aiocache (the event loop's monotonic clock) or by Redis, never by this clock.
        self._clock = clock
        if redis_url:
            from urllib.parse import urlparse

            url = urlparse(redis_url)
            self._cache = Cache(
                Cache.REDIS, endpoint=url.hostname or "127.0.0.1", port=url.port or 6379,
                db=int((url.path or "/0").lstrip("/") or 0), password=url.password,
                serializer=PickleSerializer(), namespace="",
            )
        else:
            # copy_values=False stores values by reference: only for values nobody mutates (finished responses).
            self._cache = Cache(Cache.MEMORY, serializer=PickleSerializer() if copy_values else NullSerializer())
        self._bounded = not redis_url
        self._max_entries = max_entries
        self._written: OrderedDict[str, None] = OrderedDict()
        self._in_flight: dict[str, asyncio.Future] = {}

    async def get_or_compute(
        self, key: str, ttl_seconds: int, compute: Callable[[], Awaitable[T]], stats: RequestStats | None = None
    ) -> T:
        cached = await self._get(key)
        if cached is not None:
            fetched_at, value = cached
            if stats is not None:
                stats.note_cache_hit(fetched_at)
            return value
        pending = self._in_flight.get(key)
        if pending is not None:
            try:
                fetched_at, value = await asyncio.shield(pending)
            except asyncio.CancelledError:
                # The request computing it was cancelled, not this one: compute it here instead.
                if pending.cancelled() and not asyncio.current_task().cancelling():
                    return await self.get_or_compute(key, ttl_seconds, compute, stats)
                raise
            if stats is not None:
                stats.note_cache_hit(fetched_at)
            return value
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await compute()
            entry = (self._clock().timestamp(), value)
            await self._set(key, entry, ttl_seconds)
            future.set_result(entry)
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
        return await self._get(key)

    async def put(self, key: str, value, ttl_seconds: int) -> None:
        await self._set(key, (self._clock().timestamp(), value), ttl_seconds)

    async def _get(self, key: str):
        try:
            return await self._cache.get(key)
        except Exception:  # a cache outage must not take the API down; it only costs statements
            log.warning("cache read failed", exc_info=True)
            return None

    async def _set(self, key: str, entry, ttl_seconds: int) -> None:
        try:
            await self._cache.set(key, entry, ttl=ttl_seconds)
        except Exception:
            log.warning("cache write failed", exc_info=True)
            return
        if self._bounded:
            self._written[key] = None
            self._written.move_to_end(key)
            while len(self._written) > self._max_entries:
                old, _ = self._written.popitem(last=False)
                await self._cache.delete(old)

    def __len__(self) -> int:
        return len(self._written)

    async def close(self) -> None:
        await self._cache.close()


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
