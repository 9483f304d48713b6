"""Schema extensions: stable error codes with masking, the operation's cost report, and the cost limit."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension

from gql_monitor.errors import MonitorError
from gql_monitor.graphql.query_cost import query_cost

log = logging.getLogger(__name__)
MASKED_MESSAGE = "Internal error; it has been logged."


# Limit violations found while parsing or validating; they are not the caller's typo but the query's size.
LIMIT_MESSAGES = ("exceeds maximum operation depth", "aliases found. Allowed", "Document contains more than")


def _code_for(error: GraphQLError) -> tuple[str, bool]:
    """(extensions.code, whether the message must be masked)."""
    original = error.original_error
    if original is None and any(marker in error.message for marker in LIMIT_MESSAGES):
        return "QUERY_TOO_COMPLEX", False
    if original is None:
        # Syntax and validation errors (unknown fields, wrong enum values, missing arguments) describe the caller's
        # document and carry no internals.
        return "BAD_USER_INPUT", False
    if isinstance(original, MonitorError):
        return original.code, False
    if isinstance(original, GraphQLError):
        return _code_for(original)
    return "INTERNAL", True


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        result.errors = [self._format(error) for error in result.errors]

    @staticmethod
    def _format(error: GraphQLError) -> GraphQLError:
        code, mask = _code_for(error)
        if mask:
            log.error("unexpected error at %s", error.path, exc_info=error.original_error)
        return GraphQLError(
            message=MASKED_MESSAGE if mask else error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={**(error.extensions or {}), "code": code},
        )


def cost_limit(max_cost: int):
    class CostReport(SchemaExtension):
        """Computes the query cost before execution, refuses it above the limit, reports what the operation used."""

        def on_execute(self) -> Iterator[None]:
            ctx = self.execution_context
            cost = 0
            if ctx.graphql_document is not None:
                cost = query_cost(ctx.graphql_document, ctx.operation_name, ctx.variables)
            self.cost = cost
            if cost > max_cost:
                message = f"The query's cost {cost} exceeds the maximum of {max_cost}; ask for smaller pages."
                ctx.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            message,
                            original_error=_TooComplex(message),
                        )
                    ],
                )
            yield

        def get_results(self) -> dict:
            stats = getattr(self.execution_context.context, "stats", None)
            oldest = stats.oldest_answer_fetched_at if stats else None
            return {
                "cost": {
                    "warehouseStatements": stats.warehouse_statements if stats else 0,
                    "jobsApiCalls": stats.jobs_api_calls if stats else 0,
                    "cacheHits": stats.cache_hits if stats else 0,
                    "queryCost": getattr(self, "cost", 0),
                    "maxQueryCost": max_cost,
                    # When the oldest cached answer used here was fetched from its source; null: all fetched now.
                    "oldestAnswerFetchedAt": datetime.fromtimestamp(oldest, tz=timezone.utc).isoformat()
                    if oldest is not None else None,
                }
            }

    return CostReport


class _TooComplex(MonitorError):
    code = "QUERY_TOO_COMPLEX"
