"""One log line per request, and a request id in every response.

The id is the caller's `X-Request-Id` when it is a short token of safe characters (so a proxy's or client's id
carries through), otherwise a new one; it comes back in the response's `X-Request-Id` and is in the log line, so a
user's report ("it failed, request id ...") finds the server's record. For GraphQL requests the line also says who
asked (a hash of the user name: logs name no one and hold no token), which operation, and what it cost (statements,
Jobs API calls, cache hits), read from the operation's context (graphql_route.py puts it in the request's state).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid

log = logging.getLogger("gql_monitor.request")
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def caller_hash(user_name: str) -> str:
    return hashlib.sha256(user_name.strip().lower().encode()).hexdigest()[:12]


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _SAFE_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class RequestLog:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope.get("headers") or [])
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._log(scope, request_id, status, time.perf_counter() - started)

    @staticmethod
    def _log(scope, request_id: str, status: int, seconds: float) -> None:
        event = {"request_id": request_id, "method": scope.get("method"), "path": scope.get("path"),
                 "status": status, "duration_ms": round(seconds * 1000, 1)}
        context = scope.get("state", {}).get("graphql_context")
        if context is not None:
            stats = context.stats
            # source_ms: the critical path through the warehouse and the Jobs API (time during which at least one
            # statement or call was in flight); app_ms: the rest of the request's duration, the time the app added.
            source_ms = round(stats.source_seconds() * 1000, 1)
            event |= {"caller": caller_hash(context.principal.user_name), "operation": stats.operation_name,
                      "statements": stats.warehouse_statements, "jobs_api_calls": stats.jobs_api_calls,
                      "cache_hits": stats.cache_hits, "response_cached": stats.response_cached,
                      "source_ms": source_ms, "app_ms": round(event["duration_ms"] - source_ms, 1)}
        level = logging.WARNING if status >= 500 else logging.INFO
        log.log(level, "%s %s %s %.0f ms", event["method"], event["path"], status, event["duration_ms"],
                extra={"event": event})
