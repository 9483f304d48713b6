"""`/api/graphql`: the Strawberry router, its per-request context, and GraphQL-shaped auth errors."""

from __future__ import annotations

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from strawberry.fastapi import GraphQLRouter

from gql_monitor.errors import MonitorError
from gql_monitor.graphql.context import Context, build_context
from gql_monitor.graphql.schema import schema as default_schema
from gql_monitor.http.graphiql import graphiql_page
from gql_monitor.http.identity import TokenMemory, identify, principal_for
from gql_monitor.services import Services


class _Router(GraphQLRouter):
    def encode_json(self, data) -> bytes:
        # orjson: the dashboard's responses run to hundreds of kilobytes, where json.dumps is the slow part.
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        # The packaged GraphiQL: Strawberry's own page loads React and GraphiQL from a CDN.
        return graphiql_page()


class RequestRefused(Exception):
    def __init__(self, error: MonitorError) -> None:
        self.error = error


def mount_graphql(app: FastAPI, services: Services, schema=default_schema) -> None:
    memory = TokenMemory()

    async def get_context(request: Request) -> Context:
        try:
            caller = await identify(request, services, memory)
            principal = principal_for(caller, services)
        except MonitorError as exc:
            raise RequestRefused(exc) from exc
        return build_context(services, principal)

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
    async def refused(request: Request, exc: RequestRefused) -> JSONResponse:
        status = 401 if exc.error.code == "UNAUTHENTICATED" else 403
        return JSONResponse(
            {"data": None, "errors": [{"message": str(exc.error), "extensions": {"code": exc.error.code}}]},
            status_code=status,
            headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
        )
