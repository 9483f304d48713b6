"""Schema extensions: stable error codes with masking, the operation's cost report, and the cost limit."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    SelectionSetNode,
)
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension

from gql_monitor.errors import MonitorError, QueryTooComplex, printable
from gql_monitor.graphql.query_cost import query_cost

log = logging.getLogger(__name__)
MASKED_MESSAGE = "Internal error; it has been logged."
TOO_DEEP_MESSAGE = "The document nests too deeply."
# Selection sets, list and object literals inside one another, following fragment spreads. The depth limit (12
# fields) stays far below it; it exists because graphql-core and strawberry's validators recurse over the document,
# and a long fragment chain or a deeply nested literal would reach Python's recursion limit.
MAX_DOCUMENT_NESTING = 64


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
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        result.errors = [format_error(error) for error in result.errors]


class DocumentNesting(SchemaExtension):
    """Refuses a document nested deeper than MAX_DOCUMENT_NESTING right after parsing, before the recursive
    validators walk it."""

    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is not None and document_nesting(document) > MAX_DOCUMENT_NESTING:
            message = f"The document nests deeper than {MAX_DOCUMENT_NESTING} levels (fragments included)."
            raise GraphQLError(message, original_error=QueryTooComplex(message))


_NESTING = (SelectionSetNode, ListValueNode, ObjectValueNode)


def document_nesting(document: DocumentNode) -> int:
    """The deepest nesting of selection sets and literals, a fragment spread continuing into its fragment.
    Iterative, linear in the document: each fragment's own nesting is computed once."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    # Per definition: its own deepest nesting, and the depth at which each fragment spread occurs inside it.
    local: dict[int, tuple[int, list[tuple[str, int]]]] = {}
    for definition in document.definitions:
        deepest, spreads = 0, []
        stack: list[tuple[Node, int]] = [(definition, 0)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, _NESTING):
                depth += 1
                deepest = max(deepest, depth)
            if isinstance(node, FragmentSpreadNode):
                spreads.append((node.name.value, depth))
            for key in node.keys:
                child = getattr(node, key, None)
                if isinstance(child, Node):
                    stack.append((child, depth))
                elif isinstance(child, (list, tuple)):
                    stack.extend((c, depth) for c in child if isinstance(c, Node))
        local[id(definition)] = (deepest, spreads)
    # A fragment's full nesting, in dependency order (post-order DFS); a cycle counts as nothing here, validation
    # reports it.
    total: dict[str, int] = {}
    for name in fragments:
        order, on_path = [(name, False)], set()
        while order:
            current, done = order.pop()
            if done:
                deepest, spreads = local[id(fragments[current])]
                total[current] = max([deepest] + [d + total.get(s, 0) for s, d in spreads if s in fragments])
                on_path.discard(current)
                continue
            if current in total or current in on_path:
                continue
            on_path.add(current)
            order.append((current, True))
            order.extend((s, False) for s, _ in local[id(fragments[current])][1] if s in fragments)
    deepest = 0
    for definition in document.definitions:
        own, spreads = local[id(definition)]
        deepest = max([deepest, own] + [d + total.get(s, 0) for s, d in spreads])
    return deepest


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
            if cost > max_cost:
                message = f"The query's cost {cost} exceeds the maximum of {max_cost}; ask for smaller pages."
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
