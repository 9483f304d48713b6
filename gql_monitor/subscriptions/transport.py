"""graphql-transport-ws on /api/graphql: Strawberry's protocol handler with the monitor's identity, checks and limits.

A connection is identified at `connection_init`, exactly as an HTTP request (http/identity.py `identify` and
`principal_for`): from the handshake's headers (the Apps proxy's inside an App; the demo's cookie) or the payload's
`Authorization` (browsers cannot set headers on a websocket). Every message is checked before it is acted on, and
every refusal closes the connection with a code and a reason, never an exception:

| code | when |
|---|---|
| 1009 | a message larger than GQL_MONITOR_MAX_BODY_BYTES |
| 4000 | reconnect: the caller's view of the jobs changed, or an identity only the Apps proxy vouched for (no token to
|      | check) is due for renewal |
| 4400 | a malformed message: not JSON text, not an object, an unknown `type`, a bad `id` or payload |
| 4401 | no or rejected credentials at `connection_init`; `subscribe` before `connection_ack`; the token expired or was
|      | revoked (checked again every GQL_MONITOR_SUBSCRIPTION_RECHECK_SECONDS) |
| 4403 | the caller is not allowed to use the monitor |
| 4408 | no `connection_init` within 15 s |
| 4409 | a second `subscribe` with an id in use |
| 4429 | too many connections (of the process or the caller), too many messages, a second `connection_init` |

Operations are subscriptions only (queries go over HTTP, where the response cache and body checks are). Each runs
with a context of its own (feeds.py renews its loaders for every message), and every error it sends carries
`extensions.code` like any other answer.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.fastapi import BaseContext
from strawberry.http.exceptions import WebSocketDisconnected as StrawberryDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from gql_monitor.errors import BadUserInput, MonitorError, printable
from gql_monitor.graphql.context import Context, build_context
from gql_monitor.graphql.extensions import MASKED_MESSAGE, format_error
from gql_monitor.http.identity import Caller, TokenMemory, forget_token, identify, principal_for
from gql_monitor.http.request_hygiene import RequestRefused, decode_json, graphql_params
from gql_monitor.principal import Principal
from gql_monitor.services import Services
from gql_monitor.subscriptions.feeds import LiveFeeds
from gql_monitor.subscriptions.hub import FeedHub
from gql_monitor.subscriptions.limits import ConnectionLimits, MessageRate

log = logging.getLogger(__name__)

MESSAGE_TOO_BIG = 1009
RECONNECT = 4000
BAD_MESSAGE = 4400
UNAUTHENTICATED = 4401
FORBIDDEN = 4403
TOO_MANY = 4429
INIT_TIMEOUT_SECONDS = 15
MAX_OPERATIONS = 20
MAX_ID_LENGTH = 128
# A close frame's reason is at most 123 bytes of UTF-8.
MAX_REASON_BYTES = 123
GONE = (WebSocketDisconnect, WebSocketDisconnected, StrawberryDisconnected, OSError)


class Closing(Exception):
    """Ends the connection with this close code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Subscriptions:
    """What every connection of the process shares: the feeds, the limits, and the token memory HTTP uses too."""

    services: Services
    memory: TokenMemory
    hub: FeedHub
    limits: ConnectionLimits

    @classmethod
    def build(cls, services: Services, memory: TokenMemory) -> "Subscriptions":
        settings = services.settings
        hub = FeedHub.for_jobs_api(services.jobs_api, interval_seconds=settings.subscription_poll_seconds,
                                   clock=services.clock, by_permissions=services.visibility.by_permissions)
        limits = ConnectionLimits(per_process=settings.subscription_max_connections,
                                  per_caller=settings.subscription_max_connections_per_caller)
        return cls(services, memory, hub, limits)


class Connection(BaseContext):
    """One websocket connection: its handshake and, once `connection_init` is accepted, its caller. Strawberry hands
    it to the handler as the connection's context; each operation gets a GraphQL `Context` of its own."""

    def __init__(self, shared: Subscriptions, handshake: WebSocket) -> None:
        super().__init__()
        self.shared = shared
        self.handshake = handshake
        self.authorization: str | None = None
        self.caller: Caller | None = None
        self.principal: Principal | None = None

    async def identify(self) -> tuple[Caller, Principal]:
        services = self.shared.services
        caller = await identify(self.handshake, services, self.shared.memory, authorization=self.authorization)
        return caller, await principal_for(caller, services)

    def operation_context(self) -> Context:
        services, principal = self.shared.services, self.principal
        assert principal is not None
        context = build_context(services, principal)

        def renew() -> None:
            fresh = build_context(services, principal)
            context.loaders, context.stats, context.now = fresh.loaders, fresh.stats, fresh.now

        context.feeds = LiveFeeds(self.shared.hub, principal, renew)
        return context


class TextAdapter(ASGIWebSocketAdapter):
    """Sends JSON as text frames (the protocol's; the router's encoder gives bytes, which would be binary frames),
    and treats a connection already gone as gone whatever layer says so."""

    async def send_json(self, message) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except GONE as exc:
            raise StrawberryDisconnected from exc

    async def close(self, code: int, reason: str) -> None:
        with suppress(*GONE, RuntimeError):
            await self.ws.close(code=code, reason=_reason(reason))


def _reason(text: str) -> str:
    encoded = printable(text, limit=None).encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return encoded.decode()
    return encoded[:MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


class MonitorTransportHandler(BaseGraphQLTransportWSHandler):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.connection: Connection = self.context
        shared = self.connection.shared
        settings = shared.services.settings
        self.max_message_bytes = settings.max_body_bytes
        self.rate = MessageRate(settings.subscription_max_messages_per_minute)
        self.recheck_seconds = settings.subscription_recheck_seconds
        self._caller_slot: str | None = None
        self._recheck: asyncio.Task | None = None

    @property
    def ws(self) -> WebSocket:
        return self.websocket.ws

    def forget_id(self, id: str) -> None:
        # An operation the client completed is gone already when its task ends.
        self.operations.pop(id, None)

    async def handle(self) -> None:
        limits = self.connection.shared.limits
        if not limits.admit():
            await self._close(TOO_MANY, f"Too many connections to this monitor (at most {limits.per_process}); "
                                        "poll `activeRuns` instead or try again later.")
            return
        try:
            self.on_request_accepted()
            try:
                while True:
                    message = await self._receive()
                    if message is None:
                        return
                    await self.handle_message(message)
            except Closing as closing:
                await self._close(closing.code, closing.reason)
            except GONE:
                pass
        finally:
            limits.release()
            if self._caller_slot is not None:
                limits.release_caller(self._caller_slot)
            if self._recheck is not None:
                self._recheck.cancel()
            await self.shutdown()

    async def _receive(self) -> Any:
        """The next message, parsed and checked; None when the client went away."""
        try:
            raw = await self.ws.receive()
        except (WebSocketDisconnected, RuntimeError):
            return None
        if raw["type"] == "websocket.disconnect":
            return None
        if not self.rate.allow():
            raise Closing(TOO_MANY, f"Too many messages: at most {self.rate.per_minute} a minute on one connection.")
        text = raw.get("text")
        if text is None:
            raise Closing(BAD_MESSAGE, "Messages must be JSON text, not binary.")
        if len(text) > self.max_message_bytes or len(text.encode("utf-8", "surrogatepass")) > self.max_message_bytes:
            raise Closing(MESSAGE_TOO_BIG, f"A message may hold at most {self.max_message_bytes} bytes.")
        try:
            return decode_json(text, "The message")
        except RequestRefused as refused:
            raise Closing(BAD_MESSAGE, str(refused.error)) from None

    async def _close(self, code: int, reason: str) -> None:
        if code != 1000:
            log.warning("websocket closed code=%s: %.200r", code, reason)
        await self.websocket.close(code, reason)

    # -- messages -------------------------------------------------------------------------------------------------

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise Closing(BAD_MESSAGE, "A message must be a JSON object with a string `type`.")
        kind = message["type"]
        if kind == "connection_init":
            await self.handle_connection_init(message)
        elif kind == "ping":
            await self.send_message({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            await self.handle_subscribe(message)
        elif kind == "complete":
            await self.handle_complete({"id": self._operation_id(message), "type": "complete"})
        else:
            raise Closing(BAD_MESSAGE, f"Unknown message type {printable(kind, 40)!r}.")

    @staticmethod
    def _operation_id(message: dict) -> str:
        op_id = message.get("id")
        if not isinstance(op_id, str) or not 0 < len(op_id) <= MAX_ID_LENGTH or not op_id.isprintable():
            raise Closing(BAD_MESSAGE, f"`id` must be a string of 1 to {MAX_ID_LENGTH} printable characters.")
        return op_id

    async def handle_connection_init(self, message: dict) -> None:
        if self.connection_init_received:
            raise Closing(TOO_MANY, "Too many initialisation requests.")
        if self.connection_timed_out:
            return
        self.connection_init_received = True
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload")
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise Closing(BAD_MESSAGE, f"The connection_init payload must be an object or null, not "
                                       f"{_json_type(payload)}.")
        authorization = payload.get("Authorization", payload.get("authorization"))
        if authorization is not None and not isinstance(authorization, str):
            raise Closing(BAD_MESSAGE, "`Authorization` in the connection_init payload must be `Bearer <token>`.")
        self.connection.authorization = authorization
        try:
            caller, principal = await self.connection.identify()
        except MonitorError as exc:
            raise Closing(UNAUTHENTICATED if exc.code == "UNAUTHENTICATED" else FORBIDDEN, str(exc)) from None
        limits = self.connection.shared.limits
        slot = principal.user_name
        if not limits.admit_caller(slot):
            raise Closing(TOO_MANY, f"Too many connections for this caller (at most {limits.per_caller}); close "
                                    "one first.")
        self._caller_slot = slot
        self.connection.caller, self.connection.principal = caller, principal
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        self._recheck = asyncio.create_task(self._recheck_identity(), name="websocket-identity-recheck")

    async def handle_subscribe(self, message: dict) -> None:
        if not self.connection_acknowledged:
            raise Closing(UNAUTHENTICATED, "Unauthorized: send connection_init and wait for connection_ack first.")
        op_id = self._operation_id(message)
        if op_id in self.operations:
            raise Closing(4409, f"Subscriber for {printable(op_id, 40)} already exists.")
        payload = message.get("payload")
        try:
            request = graphql_params(payload)
        except RequestRefused as refused:
            raise Closing(BAD_MESSAGE, f"subscribe: {refused.error}") from None
        if len(self.operations) >= MAX_OPERATIONS:
            error = BadUserInput(f"At most {MAX_OPERATIONS} subscriptions on one connection; complete one first.")
            await self.send_message({"id": op_id, "type": "error",
                                     "payload": [{"message": str(error), "extensions": {"code": error.code}}]})
            return
        operation = Operation(self, op_id, request["query"], request["variables"], request["operationName"])
        operation.task = asyncio.create_task(self.run_operation(operation))
        operation.task.add_done_callback(self._task_done)
        self.operations[op_id] = operation

    async def run_operation(self, operation: Operation) -> None:
        try:
            stream = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.connection.operation_context(),
                operation_name=operation.operation_name,
                allowed_operation_types=(OperationType.SUBSCRIPTION,),
            )
            async with aclosing(stream):
                first = True
                async for result in stream:
                    if not isinstance(result, ExecutionResult):
                        await self._send_errors(operation, [GraphQLError(
                            "Incremental delivery (@defer, @stream) is not served over websockets.",
                            original_error=BadUserInput("Incremental delivery is not served over websockets."))])
                        return
                    errors = [format_error(error) for error in result.errors or ()]
                    if first and result.data is None and errors:
                        # Refused before it ran (a document or argument error, a limit): the operation's `error`.
                        await self._send_errors(operation, errors)
                        return
                    first = False
                    payload: dict[str, Any] = {"data": result.data}
                    if errors:
                        payload["errors"] = [error.formatted for error in errors]
                    if result.extensions:
                        payload["extensions"] = result.extensions
                    await operation.send_operation_message({"id": operation.id, "type": "next", "payload": payload})
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except StrawberryDisconnected:
            pass
        except Exception:
            log.exception("a subscription failed")
            with suppress(StrawberryDisconnected):
                await operation.send_operation_message({"id": operation.id, "type": "error", "payload": [
                    {"message": MASKED_MESSAGE, "extensions": {"code": "INTERNAL"}}]})
        finally:
            self.operations.pop(operation.id, None)

    @staticmethod
    async def _send_errors(operation: Operation, errors: list[GraphQLError]) -> None:
        await operation.send_operation_message(
            {"id": operation.id, "type": "error", "payload": [format_error(e).formatted for e in errors]})

    # -- the caller, again ----------------------------------------------------------------------------------------

    async def _recheck_identity(self) -> None:
        """Every GQL_MONITOR_SUBSCRIPTION_RECHECK_SECONDS: the token is checked with the workspace again (not from
        the token memory), and the connection closes once it is no longer accepted or the caller's view changed."""
        try:
            while True:
                # Elapsed time on the loop's monotonic clock: an interval, not an instant.
                await asyncio.sleep(self.recheck_seconds)
                code, reason = await self._check_again()
                if code is not None:
                    await self._close(code, reason)
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("re-checking a websocket's caller failed")
            await self._close(4500, "Internal error while checking the caller again; reconnect.")

    async def _check_again(self) -> tuple[int | None, str]:
        connection = self.connection
        before, principal = connection.caller, connection.principal
        assert before is not None and principal is not None
        if before.groups is None or before.token is None:
            # The Apps proxy vouched for this caller at connect and no token of theirs was checked: only a new
            # handshake through the proxy says they are still signed in.
            return RECONNECT, "Reconnect: the identity the Apps proxy gave must be renewed."
        forget_token(connection.shared.memory, before.token)
        try:
            caller, now = await connection.identify()
        except MonitorError as exc:
            if exc.code == "UNAUTHENTICATED":
                return UNAUTHENTICATED, "The token is no longer accepted (expired or revoked); sign in again."
            return FORBIDDEN, str(exc)
        if (now.user_name, now.partition, now.scope.key) != (principal.user_name, principal.partition,
                                                               principal.scope.key):
            return RECONNECT, "Reconnect: your view of the jobs changed."
        return None, ""
