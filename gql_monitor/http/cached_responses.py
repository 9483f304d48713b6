"""The warm path of `/api/graphql`: a query whose whole response is cached is answered here, before the schema.

Dashboards poll and users reload; most requests repeat a query answered minutes ago. Such a request needs only who
asks (the response is the caller's own: graphql/response_cache.py keys it by caller, document, variables and window
clock) and the stored bytes. Parsing, validating, costing and executing the document again would give the same answer:
the key holds the exact document, the limits do not change while the process runs, and only a document that passed
them and ran without errors was stored. Everything else (a miss, a body that does not parse, a caller who is refused)
goes on unchanged to the GraphQL route, which answers or refuses it as always; the caller is identified once for both
(identity.request_principal). Identical requests that arrive while one of them executes wait for it and are then
answered from what it stored; if it stored nothing (an error), each goes on to the route.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http.parse_content_type import parse_content_type

from gql_monitor.errors import MonitorError
from gql_monitor.graphql.context import window_clock
from gql_monitor.graphql.extensions import cost_report, visibility_report
from gql_monitor.graphql.response_cache import CachedResponse, ResponseSlot, response_key
from gql_monitor.http import request_hygiene
from gql_monitor.http.identity import TokenMemory, request_principal
from gql_monitor.http.request_hygiene import GRAPHQL_PATH, RequestRefused
from gql_monitor.principal import Principal
from gql_monitor.request_stats import RequestStats
from gql_monitor.services import Services


class Answered:
    """What the request's log line (http/request_log.py) reads of an operation: who asked, and what it cost."""

    def __init__(self, principal: Principal, stats: RequestStats) -> None:
        self.principal = principal
        self.stats = stats


class CachedResponses:
    def __init__(self, app: ASGIApp, *, services: Services, memory: TokenMemory) -> None:
        self.app = app
        self.services = services
        self.memory = memory
        self.max_query_cost = services.settings.max_query_cost
        # Response keys being executed now → done when their request ends (stored or not).
        self._in_flight: dict[str, asyncio.Future] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST") \
                or scope["path"].rstrip("/") != GRAPHQL_PATH:
            return await self.app(scope, receive, send)
        body = await _read_body(receive) if scope["method"] == "POST" else b""
        answer = await self._cached(scope, body)
        slot = scope.get("state", {}).get("response_slot")
        if answer is None and slot is not None and (leader := self._in_flight.get(slot.key)) is not None:
            # The same caller's same query is being executed: wait for it rather than execute it again (a dashboard
            # polled by many viewers with one token, everyone at once when the window clock moves).
            await asyncio.shield(leader)
            answer = await self._cached(scope, body)
        if answer is not None:
            return await _send_json(send, answer)
        replayed = _replay(body, receive) if scope["method"] == "POST" else receive
        if slot is None or slot.key in self._in_flight:
            return await self.app(scope, replayed, send)
        self._in_flight[slot.key] = asyncio.get_running_loop().create_future()
        try:
            await self.app(scope, replayed, send)
        finally:
            self._in_flight.pop(slot.key).set_result(None)

    async def _cached(self, scope: Scope, body: bytes) -> bytes | None:
        """The response body when this request's response is cached; None for anything the route should see."""
        request = Request(scope)
        try:
            if scope["method"] == "GET":
                params = request_hygiene.from_query_params(request.query_params)
            else:
                content_type, _ = parse_content_type(request.headers.get("content-type", ""))
                params = request_hygiene.from_body(body, content_type)
            principal = await request_principal(request, self.services, self.memory)
        except (RequestRefused, MonitorError):
            return None
        clock = window_clock(self.services.clock())
        key = response_key(principal, params["query"], params["variables"], params["operationName"], clock)
        hit = await self.services.responses.get(key)
        if hit is None:
            # The route keeps the response under this key if it succeeds (graphql/response_cache.py).
            scope.setdefault("state", {})["response_slot"] = ResponseSlot(key, clock)
            return None
        fetched_at, response = hit
        if not isinstance(response, CachedResponse):
            return None
        stats = RequestStats(operation_name=response.operation_name, response_cached=True)
        stats.note_cache_hit(fetched_at)
        scope.setdefault("state", {})["graphql_context"] = Answered(principal, stats)
        extensions = {"cost": cost_report(stats, response.query_cost, self.max_query_cost),
                      **visibility_report(principal)}
        return b'{"data":' + response.data + b',"extensions":' + orjson.dumps(extensions) + b"}"


async def _read_body(receive: Receive) -> bytes:
    # Bounded already: RequestLimits, outside, refuses a body over GQL_MONITOR_MAX_BODY_BYTES while it is read.
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body again, for the route, once; then the connection's own messages (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _send_json(send: Send, body: bytes) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
