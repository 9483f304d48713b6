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

from typing import AsyncIterator

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gql_monitor.sources.cache import cache_key


class ResponseCache(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        context = ctx.context
        cache = getattr(getattr(context, "services", None), "responses", None)
        key = None
        if cache is not None and ctx.result is None and ctx.operation_type == OperationType.QUERY and ctx.query:
            key = cache_key(
                context.principal.caller_key,
                "graphql-response",
                {"query": ctx.query, "variables": ctx.variables or {}, "operation": ctx.operation_name,
                 "clock": context.now},
            )
            hit = await cache.get(key)
            if hit is not None:
                fetched_at, data = hit
                context.stats.note_cache_hit(fetched_at)
                ctx.result = GraphQLExecutionResult(data=data)
                key = None
        yield
        result = ctx.result
        if key is None or result is None or getattr(result, "errors", None) or result.data is None:
            return
        settings = context.services.settings
        ttl = settings.live_cache_seconds if context.stats.used_live_answers else settings.table_cache_seconds
        if ttl > 0:
            await cache.put(key, result.data, ttl)
