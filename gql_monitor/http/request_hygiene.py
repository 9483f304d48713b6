"""The raw HTTP request → GraphQL request boundary: a bounded body, strict JSON, and the shape GraphQL over HTTP
requires. Anything else is refused here with a GraphQL-shaped error and a code, before the schema sees it."""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gql_monitor.errors import BadUserInput, MonitorError, RequestTooLarge

DEFAULT_MAX_BODY_BYTES = 256 * 1024
# No input type of the schema nests more than a few levels (filter → tags → tag); graphql-core coerces variables
# recursively, so unbounded nesting would reach Python's recursion limit.
MAX_JSON_DEPTH = 32
# Every list argument takes at most 50 values; this bounds the work of coercing variables before those checks run.
MAX_JSON_VALUES = 5_000
ALLOWED_METHODS = ("GET", "POST")
GRAPHQL_PATH = "/api/graphql"


class RequestRefused(Exception):
    """A request refused before execution; rendered as `{"data": null, "errors": [{..., extensions.code}]}`."""

    def __init__(self, error: MonitorError, status: int = 400, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.status = status
        self.headers = dict(headers or {})


def refusal_body(error: MonitorError) -> bytes:
    # ASCII-escaped: a message may echo caller text (an operation name), and a lone surrogate in it must not turn
    # the refusal itself into a 500 when encoded.
    return json.dumps(
        {"data": None, "errors": [{"message": str(error), "extensions": {"code": error.code}}]}, ensure_ascii=True
    ).encode()


async def send_refusal(send: Send, refused: RequestRefused) -> None:
    body = refusal_body(refused.error)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in refused.headers.items()]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def too_large(limit: int) -> RequestRefused:
    return RequestRefused(RequestTooLarge(f"The request body is larger than {limit} bytes."), status=413)


class _BodyTooLarge(Exception):
    pass


class RequestLimits:
    """ASGI middleware for `/api/graphql`: refuses methods other than GET and POST, and bodies above `max_body_bytes`
    — by `Content-Length` before reading anything, and while reading a chunked or lying body, so an oversized body
    is never buffered whole."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != GRAPHQL_PATH:
            return await self.app(scope, receive, send)
        # (A CORS preflight never gets here: the CORS middleware, outside this one, answers it when origins are set.)
        if scope["method"] not in ALLOWED_METHODS:
            return await send_refusal(send, RequestRefused(
                BadUserInput(f"GraphQL is served over GET and POST, not {scope['method'][:16]!r}."),
                status=405, headers={"Allow": ", ".join(ALLOWED_METHODS)}))
        limit = self.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return await send_refusal(send, too_large(limit))
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _BodyTooLarge:
            if started:
                raise
            await send_refusal(send, too_large(limit))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


# -- the GraphQL request ------------------------------------------------------------------------------------------


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _check_containers(raw: bytes, what: str) -> None:
    """Refuses JSON text with more than MAX_JSON_VALUES arrays and objects before it is parsed: building (and
    freeing) 100,000 nested lists costs the parser a tenth of a second of the event loop, while a few thousand
    containers, however nested, cost it a millisecond or two. Brackets are counted at C speed; only when there are
    many are brackets inside strings told apart."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_VALUES:
        return
    outside_strings = _STRING.sub(b"", raw)
    if outside_strings.count(b"[") + outside_strings.count(b"{") > MAX_JSON_VALUES:
        raise RequestRefused(BadUserInput(f"{what} holds more than {MAX_JSON_VALUES} values."))


def decode_json(raw: bytes | str, what: str) -> Any:
    """Strict JSON (UTF-8, no lone surrogates, no NaN) within the depth and size bounds."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    _check_containers(raw, what)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = str(exc).split(":", 1)[0]
        raise RequestRefused(BadUserInput(f"{what} is not valid UTF-8 JSON ({reason}).")) from None
    if isinstance(value, (dict, list)):
        _check_shape(value, what)
    return value


def _check_shape(value: Any, what: str) -> None:
    # Iterative, counting children before walking them: a hostile body costs at most MAX_JSON_VALUES steps.
    stack = [(value, 1)]
    seen = 1
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_JSON_DEPTH:
            raise RequestRefused(BadUserInput(f"{what} nests deeper than {MAX_JSON_DEPTH} levels."))
        seen += len(children)
        if seen > MAX_JSON_VALUES:
            raise RequestRefused(BadUserInput(f"{what} holds more than {MAX_JSON_VALUES} values."))
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def graphql_params(data: Any) -> dict[str, Any]:
    """`query`, `variables`, `operationName`, `extensions` of one request object, each of the type the GraphQL over
    HTTP spec allows."""
    if isinstance(data, list):
        raise RequestRefused(BadUserInput("Batched requests are not supported; send one operation per request."))
    if not isinstance(data, dict):
        raise RequestRefused(BadUserInput(
            f"The request must be a JSON object with a `query`, not {_json_type(data)}."))
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestRefused(BadUserInput("The request needs a `query` string."))
    for key in ("variables", "extensions"):
        if not isinstance(data.get(key), (dict, type(None))):
            raise RequestRefused(BadUserInput(f"`{key}` must be an object or null, not {_json_type(data[key])}."))
    name = data.get("operationName")
    if not isinstance(name, (str, type(None))):
        raise RequestRefused(BadUserInput(f"`operationName` must be a string or null, not {_json_type(name)}."))
    # An empty name is no name (as an empty GET parameter is): the document's only operation runs.
    return {"query": query, "variables": data.get("variables"), "operationName": name or None,
            "extensions": data.get("extensions")}


def from_query_params(params: Mapping[str, str]) -> dict[str, Any]:
    """A GET request: `variables` and `extensions` are JSON text in the query string."""
    data: dict[str, Any] = {"query": params.get("query"), "operationName": params.get("operationName")}
    for key in ("variables", "extensions"):
        raw = params.get(key)
        data[key] = decode_json(raw, f"`{key}`") if raw else None
    return graphql_params(data)


def from_body(body: bytes, content_type: str) -> dict[str, Any]:
    if content_type != "application/json":
        # A "simple" content type (text/plain, forms) is what a cross-site page can send without a preflight.
        raise RequestRefused(BadUserInput("POST requests must be `Content-Type: application/json`."))
    return graphql_params(decode_json(body, "The request body"))


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), "a value")
