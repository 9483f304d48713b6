"""Schema extensions: stable error codes with masking, the operation's cost report, and the cost limit."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import OperationDefinitionNode
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from gql_monitor.errors import MonitorError, QueryTooComplex, printable
from gql_monitor.graphql.document_size import check_document_nesting
from gql_monitor.graphql.query_cost import query_cost

log = logging.getLogger(__name__)
MASKED_MESSAGE = "Internal error; it has been logged."
TOO_DEEP_MESSAGE = "The document nests too deeply."


# Limit violations found while parsing or validating; they are not the caller's typo but the query's size.
LIMIT_MESSAGES = ("exceeds maximum operation depth", "aliases found. Allowed", "Document contains more than")


def _code_for(error: GraphQLError) -> tuple[str, str | None]:
    """(extensions.code, the message to show instead of the error's own, if any)."""
    original = error.original_error
    if original is None and any(marker in error.message for marker in LIMIT_MESSAGES):
        return "QUERY_TOO_COMPLEX", None
    if original is None:
        # Syntax and validation errors (unknown fields, wrong enum values, missing arguments) describe the caller's
        # document and carry no internals.
        return "BAD_USER_INPUT", None
    if isinstance(original, MonitorError):
        return original.code, None
    if isinstance(original, InvalidOperationTypeError):
        # Only the websocket transport gets here (HTTP refuses these before executing): it serves subscriptions.
        return "BAD_USER_INPUT", "Only subscriptions are served over websockets; send queries over HTTP."
    if isinstance(original, CannotGetOperationTypeError):
        return "BAD_USER_INPUT", None
    if isinstance(original, GraphQLError):
        return _code_for(original)
    if isinstance(original, RecursionError):
        # Only a document or variables nested past every bound above get here; they are too complex, not a bug.
        return "QUERY_TOO_COMPLEX", TOO_DEEP_MESSAGE
    return "INTERNAL", MASKED_MESSAGE


def format_error(error: GraphQLError) -> GraphQLError:
    """The error as callers see it: with its `extensions.code`, masked when it is unexpected."""
    if error.original_error is None and "code" in (error.extensions or {}):
        return error
    code, message = _code_for(error)
    return GraphQLError(
        message=message or printable(error.message, limit=None),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), "code": code},
    )


def log_error(error: GraphQLError, operation_name: str | None) -> None:
    """One line per expected error (code, operation, path, message); a traceback only for INTERNAL ones."""
    code, _ = _code_for(error)
    # %r keeps caller-supplied text (operation names, echoed values) on one line.
    name = (operation_name or "")[:100]
    if code == "INTERNAL":
        log.error("graphql error code=INTERNAL operation=%r path=%s", name, error.path, exc_info=error.original_error)
    else:
        log.warning("graphql error code=%s operation=%r path=%s: %.300r", code, name, error.path, error.message)


class ErrorCodes(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        stats = getattr(ctx.context, "stats", None)
        if stats is not None:
            name = ctx.operation_name
            if name is None and ctx.graphql_document is not None:
                # Without `operationName`, the document's only operation runs: its name, if it has one.
                names = [d.name.value for d in ctx.graphql_document.definitions
                         if isinstance(d, OperationDefinitionNode) and d.name is not None]
                name = names[0] if len(names) == 1 else None
            # Bounded: an operation name is the caller's text, and it goes to the request's log line.
            stats.operation_name = (name or "")[:100] or None
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        result.errors = [format_error(error) for error in result.errors]


class DocumentNesting(SchemaExtension):
    """Refuses a document nested too deeply right after parsing, before the recursive validators walk it."""

    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is not None:
            try:
                check_document_nesting(document)
            except QueryTooComplex as exc:
                raise GraphQLError(str(exc), original_error=exc) from None


def cost_limit(max_cost: int):
    class CostReport(SchemaExtension):
        """Computes the query cost before execution, refuses it above the limit, reports what the operation used."""

        def on_execute(self) -> Iterator[None]:
            ctx = self.execution_context
            cost = 0
            if ctx.graphql_document is not None:
                cost = query_cost(ctx.graphql_document, ctx.operation_name, ctx.variables, ctx.context.now,
                                  ctx.schema._schema)
            self.cost = cost
            if (stats := getattr(ctx.context, "stats", None)) is not None:
                stats.query_cost = cost
            if cost > max_cost:
                message = f"The query's cost {cost} exceeds the maximum of {max_cost}; ask for smaller pages."
                if ctx.operation_type == OperationType.SUBSCRIPTION:
                    # A subscription's stream ignores a result set here; raised, it is the stream's only message.
                    raise GraphQLError(message, original_error=QueryTooComplex(message))
                ctx.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            message,
                            original_error=QueryTooComplex(message),
                        )
                    ],
                )
            yield

        def get_results(self) -> dict:
            context = self.execution_context.context
            return {"cost": cost_report(getattr(context, "stats", None), getattr(self, "cost", 0), max_cost),
                    **visibility_report(getattr(context, "principal", None))}

    return CostReport


def cost_report(stats, query_cost: int, max_cost: int) -> dict:
    """`extensions.cost`: what the operation used (`stats`, a RequestStats) and its computed cost."""
    oldest = stats.oldest_answer_fetched_at if stats else None
    return {
        "warehouseStatements": stats.warehouse_statements if stats else 0,
        "jobsApiCalls": stats.jobs_api_calls if stats else 0,
        "cacheHits": stats.cache_hits if stats else 0,
        "queryCost": query_cost,
        "maxQueryCost": max_cost,
        # When the oldest cached answer used here was fetched from its source; null: all fetched now.
        "oldestAnswerFetchedAt": datetime.fromtimestamp(oldest, tz=timezone.utc).isoformat()
        if oldest is not None else None,
    }


def visibility_report(principal) -> dict:
    """`extensions.visibility` for a caller who sees part of the account: how many jobs, and how many were hidden
    because their permission lists could not be read (with PERMISSIONS_UNREADABLE, so clients need not parse)."""
    if principal is None or principal.scope.full:
        return {}
    scope = principal.scope
    report = {"scope": "VISIBLE_JOBS", "visibleJobs": len(scope.job_keys), "unreadableJobs": scope.unreadable}
    if scope.unreadable or scope.reasons:
        report |= {"code": "PERMISSIONS_UNREADABLE", "reasons": list(scope.reasons)}
    return {"visibility": report}
