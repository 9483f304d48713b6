"""The GraphQL schema, its limits and extensions. `schema` is what `gql-monitor export-schema` prints."""

from __future__ import annotations

import strawberry
from strawberry.extensions import DisableIntrospection, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from gql_monitor.graphql.extensions import ErrorCodes, cost_limit
from gql_monitor.graphql.query import Query
from gql_monitor.graphql.response_cache import ResponseCache

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_QUERY_COST = 20000


def build_schema(*, max_query_cost: int = MAX_QUERY_COST, introspection: bool = True) -> strawberry.Schema:
    extensions = [
        ErrorCodes,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        cost_limit(max_query_cost),
        ResponseCache,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        # Without introspection, "did you mean" suggestions would still leak field names.
        config=StrawberryConfig(disable_field_suggestions=not introspection),
        extensions=extensions,
    )


schema = build_schema()
