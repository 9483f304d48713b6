"""Whole responses, reused for the same caller, document, variables and window clock.

Keyed by the caller (`Principal.caller_key`), not by the data partition: in service-principal mode every caller
shares the app's data, but a response may hold fields that depend on who asks (`viewer`, anything added later), so a
response is only ever reused for the caller it was computed for. Callers still share the answers underneath it
(sources/cache.py, keyed by partition), so another caller's identical query sends no statement either.

Resolving a dashboard's thousands of fields costs more than the cached answers it reads, so an identical query
within the cache's lifetime is answered from its previous result without executing. Only error-free query results
are kept; a response that used Jobs API answers lives as long as those (seconds), others as long as table answers.
The window clock (Context.now, rounded to five minutes) is part of the key, so default windows never go stale.

Responses are kept encoded, as the JSON of their `data`, with what their `extensions` need (the query's cost): a
repeated query is answered by http/cached_responses.py before the schema sees it, without parsing, validating or
decoding anything, and this extension only stores what an executed query produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, AsyncIterator

import orjson
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gql_monitor import __version__
from gql_monitor.principal import Principal
from gql_monitor.sources.cache import AnswerCache, cache_key


@dataclass(frozen=True)
class ResponseSlot:
    """Where a request's response is kept if it succeeds: the key, computed once from the request by the warm path
    (http/cached_responses.py) that looks it up, and the window clock that key holds."""

    key: str
    clock: datetime


@dataclass(frozen=True)
class ResponseStore:
    """Where whole responses are kept, and for how long: as long as the Jobs API or the table answers they used."""

    cache: AnswerCache
    live_seconds: float
    table_seconds: float
    # None: this operation's response is not kept (a websocket's, or a request the warm path did not key).
    slot: ResponseSlot | None = None


@dataclass(frozen=True)
class CachedResponse:
    # The response's `data`, encoded as JSON.
    data: bytes
    # What its `extensions.cost` reports of the operation itself; the rest describes the request that reuses it.
    query_cost: int
    operation_name: str | None


def response_key(principal: Principal, query: str, variables: dict[str, Any] | None, operation_name: str | None,
                 clock: datetime) -> str:
    # The version: replicas of two releases sharing a cache must not answer with each other's schema.
    return cache_key(principal.caller_key, "graphql-response",
                     {"query": query, "variables": variables or {}, "operation": operation_name, "clock": clock,
                      "version": __version__})


class ResponseCache(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context
        context = ctx.context
        store: ResponseStore | None = getattr(context, "responses", None)
        result = ctx.result
        # The slot's clock must be the one the operation ran with: a request straddling a five-minute boundary is
        # not kept under the earlier clock's key.
        if store is None or store.slot is None or store.slot.clock != context.now or result is None \
                or ctx.operation_type != OperationType.QUERY or getattr(result, "errors", None) or result.data is None:
            return
        ttl = store.live_seconds if context.stats.used_live_answers else store.table_seconds
        if ttl > 0:
            stats = context.stats
            await store.cache.put(store.slot.key, CachedResponse(orjson.dumps(result.data), stats.query_cost,
                                                                 stats.operation_name), ttl)
