"""The GraphQL schema, its limits and extensions. `schema` is what `gql-monitor export-schema` prints."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from gql_monitor.graphql.bounded_execution import MAX_RESPONSE_VALUES, bounded_executor
from gql_monitor.graphql.edge import ValidatedDocuments, edge_checks
from gql_monitor.graphql.extensions import DocumentNesting, ErrorCodes, cost_limit, format_error, log_error
from gql_monitor.graphql.query import Query
from gql_monitor.graphql.response_cache import ResponseCache
from gql_monitor.graphql.subscription import Subscription

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2000
MAX_QUERY_COST = 20000


class MonitorSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Called with the errors as raised, before ErrorCodes formats them: the one place that logs them.
        name = execution_context.operation_name if execution_context is not None else None
        for error in errors:
            log_error(error, name)

    async def execute(self, *args, **kwargs):
        result = await super().execute(*args, **kwargs)
        # An exception escaping the operation's hooks (e.g. raised while parsing) skips ErrorCodes; code it here.
        if result.errors:
            result.errors = [format_error(error) for error in result.errors]
        return result


def build_schema(
    *, max_query_cost: int = MAX_QUERY_COST, introspection: bool = True, max_response_values: int = MAX_RESPONSE_VALUES
) -> strawberry.Schema:
    # The limiters add validation rules; built once per schema, their rules are the same objects on every request,
    # which is what lets ValidatedDocuments (keyed by document and rules) hit. They keep no per-request state.
    depth, aliases, tokens = (
        QueryDepthLimiter(max_depth=MAX_DEPTH),
        MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        MaxTokensLimiter(max_token_count=MAX_TOKENS),
    )
    extensions = [
        ErrorCodes,
        DocumentNesting,
        # Checks the request's values and the document's size, then validates off the event loop, each document
        # once. (No ParserCache: parsing is linear and bounded by MAX_TOKENS, and a parse error raised inside its
        # hook would skip ErrorCodes.)
        edge_checks(ValidatedDocuments(maxsize=256)),
        lambda: depth,
        lambda: aliases,
        lambda: tokens,
        cost_limit(max_query_cost),
        ResponseCache,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return MonitorSchema(
        query=Query,
        # Served over websockets only (gql_monitor/subscriptions/transport.py); HTTP refuses subscriptions.
        subscription=Subscription,
        # Without introspection, "did you mean" suggestions would still leak field names.
        config=StrawberryConfig(disable_field_suggestions=not introspection),
        extensions=extensions,
        # Counts the answer's values as it is built and refuses one over the response cap.
        execution_context_class=bounded_executor(max_response_values),
    )


schema = build_schema()
