"""`/api/graphql`: the Strawberry router, its per-request context, and GraphQL-shaped auth errors."""

from __future__ import annotations

import logging
from datetime import timedelta

import orjson
from cross_web import HTTPException
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from gql_monitor.errors import BadUserInput, Forbidden, MonitorError
from gql_monitor.graphql.context import Context, build_context
from gql_monitor.graphql.schema import schema as default_schema
from gql_monitor.http import request_hygiene
from gql_monitor.http.graphiql import graphiql_page
from gql_monitor.http.identity import TokenMemory, request_principal, token_memory
from gql_monitor.http.request_hygiene import RequestRefused
from gql_monitor.http.websocket_origin import allowed_origins, origin_allowed
from gql_monitor.services import Services
from gql_monitor.subscriptions import transport
from gql_monitor.subscriptions.transport import Connection, MonitorTransportHandler, Subscriptions, TextAdapter

log = logging.getLogger(__name__)


class _Router(GraphQLRouter):
    # Websockets (subscriptions): the monitor's protocol handler and limits (subscriptions/transport.py).
    graphql_transport_ws_handler_class = MonitorTransportHandler
    websocket_adapter_class = TextAdapter

    def __init__(self, *args, subscriptions: Subscriptions, **kwargs) -> None:
        super().__init__(*args, connection_init_wait_timeout=timedelta(seconds=transport.INIT_TIMEOUT_SECONDS),
                         max_subscriptions_per_connection=transport.MAX_OPERATIONS, **kwargs)
        self.subscriptions = subscriptions
        settings = subscriptions.services.settings
        self.ws_origins = allowed_origins(settings.cors_origins)
        self.behind_apps_proxy = settings.in_databricks_app

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

    def _check_websocket_origin(self, request: WebSocket) -> bool:
        return origin_allowed(request.headers, self.ws_origins, behind_apps_proxy=self.behind_apps_proxy)

    async def reject_websocket(self, request: WebSocket, error: MonitorError | None = None) -> WebSocket:
        # HTTP 403 before the connection is accepted. (Not a denial response with a body: uvicorn's websocket
        # protocol logs those as an error.) A browser page sees only that the socket failed; the log says why.
        error = error or Forbidden("This page's origin may not open a websocket to the monitor (only its own and "
                                   "GQL_MONITOR_CORS_ORIGINS may).")
        log.warning("websocket refused code=%s origin=%.100r: %s", error.code, request.headers.get("origin"), error)
        await request.close(code=1008)
        return request

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        # Strawberry would run a subscription document over HTTP as a query of nulls; it is refused instead.
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query, root_value=root_value, variable_values=request_data.variables,
                context_value=context, operation_name=request_data.operation_name, allowed_operation_types=allowed,
                operation_extensions=request_data.extensions)
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            if exc.operation_type == OperationType.SUBSCRIPTION:
                raise HTTPException(400, "Subscriptions are served over websockets (graphql-transport-ws on "
                                         "/api/graphql), not over HTTP.") from exc
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def run(self, request, context=UNSET, root_value=UNSET):
        if self.is_websocket_request(request) and self.subscriptions.limits.per_process == 0:
            return await self.reject_websocket(request, Forbidden(
                "Subscriptions are turned off on this monitor (GQL_MONITOR_SUBSCRIPTION_MAX_CONNECTIONS=0); poll "
                "the `activeRuns` query instead."))
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            # Strawberry's own refusals (unknown operationName, a mutation over GET, IDE turned off) are plain text;
            # give them the same GraphQL shape and code as every other error.
            raise RequestRefused(BadUserInput(str(exc.reason)[:300]), status=exc.status_code) from None


def mount_graphql(app: FastAPI, services: Services, schema=default_schema,
                  memory: TokenMemory | None = None) -> Subscriptions:
    memory = token_memory() if memory is None else memory
    subscriptions = Subscriptions.build(services, memory)

    async def get_context(request: HTTPConnection) -> Context | Connection:
        if isinstance(request, WebSocket):
            # Identified at `connection_init` (subscriptions/transport.py), where the payload may carry the token.
            return Connection(subscriptions, request)
        try:
            principal = await request_principal(request, services, memory)
        except MonitorError as exc:
            if exc.code == "UNAUTHENTICATED":
                raise RequestRefused(exc, status=401, headers={"WWW-Authenticate": "Bearer"}) from exc
            raise RequestRefused(exc, status=403) from exc
        context = build_context(services, principal, request.scope.get("state", {}).get("response_slot"))
        # The request's log line (http/request_log.py) reports who asked and what the operation cost.
        request.scope.setdefault("state", {})["graphql_context"] = context
        return context

    # Subscriptions over graphql-transport-ws only (the legacy graphql-ws protocol is not offered).
    router = _Router(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql" if services.settings.introspection else None,
        allow_queries_via_get=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        subscriptions=subscriptions,
    )
    app.include_router(router, prefix="/api/graphql")

    @app.exception_handler(RequestRefused)
    async def refused(request: Request, exc: RequestRefused) -> Response:
        log.warning("request refused code=%s status=%s: %.200r", exc.error.code, exc.status, str(exc.error))
        return Response(request_hygiene.refusal_body(exc.error), status_code=exc.status, headers=exc.headers,
                        media_type="application/json")

    return subscriptions
