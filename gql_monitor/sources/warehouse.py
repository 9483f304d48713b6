"""The SQL warehouse, through databricks-sql-connector.

The connector is blocking and its connections may not be shared across threads, so statements run on a dedicated
thread pool and each worker thread keeps its own connections, one per credential. A connection opened with one
user's token is never used for another user's statement.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any, Callable, Mapping

from databricks import sql as dbsql
from databricks.sql import exc as dbexc

from gql_monitor import __version__
from gql_monitor.errors import BadUserInput, Forbidden, MonitorError, Unauthenticated, WarehouseUnavailable
from gql_monitor.principal import Principal
from gql_monitor.request_stats import RequestStats
from gql_monitor.settings import Settings
from gql_monitor.sources import sql_files
from gql_monitor.sources.error_text import is_oauth_refusal

log = logging.getLogger(__name__)

Row = dict[str, Any]
# Per worker thread; users beyond this many on one thread close the least recently used connection.
CONNECTIONS_PER_THREAD = 16
# The grants docs/deployment.md asks for; named in FORBIDDEN messages so whoever reads one knows what to ask for.
SYSTEM_SCHEMAS = ("system.billing", "system.lakeflow", "system.compute", "system.access")
UNAVAILABLE = "The SQL warehouse is not answering (it may be starting); try again shortly."


class StatementFailed(Exception):
    """The warehouse rejected a statement of ours. A bug, not the caller's fault: its text is never shown to users."""


def _map_error(exc: Exception, principal: Principal) -> Exception:
    message = str(exc)
    if "INSUFFICIENT_PERMISSIONS" in message or "PERMISSION_DENIED" in message:
        detail = message.split("SQLSTATE")[0].strip().rstrip(".")
        return Forbidden(f"The warehouse refused the statement: {detail}. Ask an admin for USE CATALOG on system, "
                         f"and USE SCHEMA and SELECT on the system schemas the monitor uses "
                         f"({', '.join(SYSTEM_SCHEMAS)}).")
    if principal.token is None and is_oauth_refusal(message):
        # The app's own client id/secret were refused: a deployment problem, not a warehouse that is starting.
        return WarehouseUnavailable(f"The workspace did not accept the app's credentials ({message.strip()}).")
    if isinstance(exc, dbexc.RequestError) and ("401" in message or "Invalid access token" in message
                                                or "UNAUTHENTICATED" in message):
        return Unauthenticated("The warehouse did not accept the credentials.")
    if isinstance(exc, dbexc.ServerOperationError):
        return StatementFailed(message)
    return WarehouseUnavailable(UNAVAILABLE)


def _check_encodable(params: Mapping[str, Any]) -> None:
    """The connector encodes a statement's parameters on the client; a value it cannot encode (an unpaired surrogate)
    fails there, and it retries that like a network error for its whole retry budget while holding a worker. Such a
    value is the caller's input, never transient: refuse it before the connector sees it."""
    for name, value in params.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, str) and not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise BadUserInput(f"A value for `{name}` is not well-formed Unicode text.") from None


class Warehouse:
    def __init__(self, settings: Settings, app_credentials: Callable[[], Callable[[], dict]]) -> None:
        self._settings = settings
        self._app_credentials = app_credentials
        self._executor = ThreadPoolExecutor(settings.warehouse_concurrency, thread_name_prefix="warehouse")
        self._local = threading.local()
        self._all_connections: list = []
        self._lock = threading.Lock()

    async def fetch(
        self, name: str, params: Mapping[str, Any], principal: Principal, stats: RequestStats | None = None
    ) -> list[Row]:
        """Run sql/<name>.sql with native named parameters; rows as dicts of Python values."""
        statement = sql_files.load(name)
        _check_encodable(params)
        if stats is not None:
            stats.warehouse_statements += 1
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._timed_run, name, statement, dict(params), principal,
                                          stats)

    def _timed_run(self, name: str, statement: str, params: dict, principal: Principal,
                   stats: RequestStats | None) -> list[Row]:
        with stats.source_call() if stats is not None else nullcontext():
            return self._run(name, statement, params, principal)

    async def open_sessions(self, principal: Principal) -> int:
        """Opens `principal`'s session on every worker thread ahead of the first statement; how many opened. A
        failure (a warehouse asleep or refusing) is only logged: statements open their sessions when they run."""
        workers = self._settings.warehouse_concurrency
        # Every worker holds at the barrier until all have arrived, so each task lands on a thread of its own.
        barrier = threading.Barrier(workers)

        def open_one() -> bool:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            try:
                self._connection(principal)
                return True
            except MonitorError as exc:
                log.warning("opening a warehouse session ahead of time failed: %s", exc)
                return False

        loop = asyncio.get_running_loop()
        opened = await asyncio.gather(*(loop.run_in_executor(self._executor, open_one) for _ in range(workers)))
        return sum(opened)

    def _run(self, name: str, statement: str, params: dict, principal: Principal) -> list[Row]:
        for attempt in (1, 2):
            conn = self._connection(principal)
            try:
                with conn.cursor() as cur:
                    cur.execute(statement, params, query_tags={"app": "gql-monitor", "question": name})
                    return cur.fetchall_arrow().to_pylist()
            except dbexc.Error as exc:
                mapped = _map_error(exc, principal)
                if not isinstance(exc, dbexc.ServerOperationError):
                    # The session may be gone (a ServerOperationError is one statement refused by a live session,
                    # e.g. a missing grant, and the session stays useful). A dropped session surfaces as a request
                    # error; reconnect once before giving up.
                    self._discard(principal)
                    if isinstance(mapped, WarehouseUnavailable) and attempt == 1 and "session" in str(exc).lower():
                        continue
                if isinstance(mapped, StatementFailed):
                    log.error("statement %s failed: %s", name, exc)
                raise mapped from exc
            except MonitorError:
                raise
            except Exception as exc:  # urllib3 errors leak out of the connector on exhausted retries
                self._discard(principal)
                raise WarehouseUnavailable(UNAVAILABLE) from exc
        raise AssertionError("unreachable")

    def _pool(self) -> OrderedDict:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = OrderedDict()
        return pool

    def _connection(self, principal: Principal):
        pool = self._pool()
        key = principal.credential_key
        conn = pool.get(key)
        if conn is not None:
            pool.move_to_end(key)
            return conn
        try:
            conn = dbsql.connect(**self._connect_kwargs(principal))
        except dbexc.Error as exc:
            raise _map_error(exc, principal) from exc
        except Exception as exc:
            raise WarehouseUnavailable(UNAVAILABLE) from exc
        pool[key] = conn
        with self._lock:
            self._all_connections.append(conn)
        while len(pool) > CONNECTIONS_PER_THREAD:
            _, old = pool.popitem(last=False)
            self._close(old)
        return conn

    def _connect_kwargs(self, principal: Principal) -> dict:
        s = self._settings
        kwargs: dict[str, Any] = dict(
            server_hostname=s.server_hostname,
            http_path=s.warehouse_http_path,
            enable_telemetry=False,
            user_agent_entry=f"gql-monitor/{__version__}",
            # UTC whatever the warehouse's default zone: the SQL casts instants to dates (usage_date narrowing) and
            # truncates them to hours, both of which follow the session time zone, and the system tables are UTC.
            session_configuration={"STATEMENT_TIMEOUT": str(s.statement_timeout_seconds), "TIMEZONE": "UTC"},
            _socket_timeout=s.statement_timeout_seconds + 30,
            _retry_stop_after_attempts_duration=s.warehouse_retry_seconds,
            _retry_delay_max=10.0,
        )
        if s.is_local:
            kwargs["_connection_uri"] = s.host + s.warehouse_http_path
        if principal.token is not None:
            kwargs["access_token"] = principal.token
        else:
            kwargs["credentials_provider"] = self._app_credentials
        return kwargs

    def _discard(self, principal: Principal) -> None:
        conn = self._pool().pop(principal.credential_key, None)
        if conn is not None:
            self._close(conn)

    def _close(self, conn) -> None:
        with self._lock:
            if conn in self._all_connections:
                self._all_connections.remove(conn)
        try:
            conn.close()
        except Exception:  # closing a broken session must not mask the original error
            log.debug("closing a warehouse connection failed", exc_info=True)

    def close(self) -> None:
        with self._lock:
            conns, self._all_connections = self._all_connections, []
        for conn in conns:
            try:
                conn.close()
            except Exception:
                log.debug("closing a warehouse connection failed", exc_info=True)
        self._executor.shutdown(wait=False, cancel_futures=True)
