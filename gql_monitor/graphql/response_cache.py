"""Whole responses, reused for the same caller, document, variables and window clock.

Keyed by the caller (`Principal.caller_key`), not by the data partition: in service-principal mode every caller
shares the app's data, but a response may hold fields that depend on who asks (`viewer`, anything added later), so a
response is only ever reused for the caller it was computed for. Callers still share the answers underneath it
(sources/cache.py, keyed by partition), so another caller's identical query sends no statement either.

Resolving a dashboard's thousands of fields costs more than the cached answers it reads, so an identical query
within the cache's lifetime is answered from its previous result without executing. Only error-free query results
are kept; a response that used Jobs API answers lives as long as those (seconds), others as long as table answers.
The window clock (Context.now, rounded to five minutes) is part of the key, so default windows never go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import AsyncIterator

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gql_monitor.sources.cache import AnswerCache, cache_key


@dataclass(frozen=True)
class ResponseStore:
    """Where whole responses are kept, and for how long: as long as the Jobs API or the table answers they used."""

    cache: AnswerCache
    live_seconds: float
    table_seconds: float


class ResponseCache(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        context = ctx.context
        store: ResponseStore | None = getattr(context, "responses", None)
        key = None
        if store is not None and ctx.result is None and ctx.operation_type == OperationType.QUERY and ctx.query:
            key = cache_key(
                context.principal.caller_key,
                "graphql-response",
                {"query": ctx.query, "variables": ctx.variables or {}, "operation": ctx.operation_name,
                 "clock": context.now},
            )
            hit = await store.cache.get(key)
            if hit is not None:
                fetched_at, data = hit
                context.stats.note_cache_hit(fetched_at)
                ctx.result = GraphQLExecutionResult(data=data)
                key = None
        yield
        result = ctx.result
        if key is None or result is None or getattr(result, "errors", None) or result.data is None:
            return
        ttl = store.live_seconds if context.stats.used_live_answers else store.table_seconds
        if ttl > 0:
            await store.cache.put(key, result.data, ttl)
