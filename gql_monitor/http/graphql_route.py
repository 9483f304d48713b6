"""`/api/graphql`: the Strawberry router, its per-request context, and GraphQL-shaped auth errors."""

from __future__ import annotations

import logging

import orjson
from cross_web import HTTPException
from fastapi import FastAPI, Request
from fastapi.responses import Response
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types.unset import UNSET

from gql_monitor.errors import BadUserInput, MonitorError
from gql_monitor.graphql.context import Context, build_context
from gql_monitor.graphql.schema import schema as default_schema
from gql_monitor.http import request_hygiene
from gql_monitor.http.graphiql import graphiql_page
from gql_monitor.http.identity import identify, principal_for, token_memory
from gql_monitor.http.request_hygiene import RequestRefused
from gql_monitor.services import Services

log = logging.getLogger(__name__)


class _Router(GraphQLRouter):
    def encode_json(self, data) -> bytes:
        # orjson: the dashboard's responses run to hundreds of kilobytes, where json.dumps is the slow part.
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        # The packaged GraphiQL: Strawberry's own page loads React and GraphiQL from a CDN.
        return graphiql_page()

    async def parse_http_body(self, request) -> GraphQLRequestData:
        if request.method == "GET":
            params = request_hygiene.from_query_params(request.query_params)
        else:
            content_type, _ = parse_content_type(request.content_type or "")
            params = request_hygiene.from_body(await request.get_body(), content_type)
        return GraphQLRequestData(query=params["query"], variables=params["variables"],
                                  operation_name=params["operationName"], extensions=params["extensions"],
                                  protocol="http")

    async def run(self, request, context=UNSET, root_value=UNSET):
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            # Strawberry's own refusals (unknown operationName, a mutation over GET, IDE turned off) are plain text;
            # give them the same GraphQL shape and code as every other error.
            raise RequestRefused(BadUserInput(str(exc.reason)[:300]), status=exc.status_code) from None


def mount_graphql(app: FastAPI, services: Services, schema=default_schema) -> None:
    memory = token_memory()

    async def get_context(request: Request) -> Context:
        try:
            caller = await identify(request, services, memory)
            principal = await principal_for(caller, services)
        except MonitorError as exc:
            if exc.code == "UNAUTHENTICATED":
                raise RequestRefused(exc, status=401, headers={"WWW-Authenticate": "Bearer"}) from exc
            raise RequestRefused(exc, status=403) from exc
        context = build_context(services, principal)
        # The request's log line (http/request_log.py) reports who asked and what the operation cost.
        request.scope.setdefault("state", {})["graphql_context"] = context
        return context

    # No subscriptions are served, so there is no websocket origin to police; only HTTP transports are mounted.
    router = _Router(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql" if services.settings.introspection else None,
        allow_queries_via_get=True,
        subscription_protocols=(),
    )
    app.include_router(router, prefix="/api/graphql")

    @app.exception_handler(RequestRefused)
    async def refused(request: Request, exc: RequestRefused) -> Response:
        log.warning("request refused code=%s status=%s: %.200r", exc.error.code, exc.status, str(exc.error))
        return Response(request_hygiene.refusal_body(exc.error), status_code=exc.status, headers=exc.headers,
                        media_type="application/json")
