"""The stand-in's SQL warehouse: Databricks' Thrift-over-HTTP protocol, answered by DuckDB.

The real `databricks-sql-connector` talks to it unmodified over its default (Thrift) backend; the only setting a
client needs is `_connection_uri=<base_url>/sql/1.0/warehouses/local` (the connector otherwise forces https).
Requests are decoded with the connector's own generated `TCLIService.Processor`, so the wire format is whatever the
connector expects by construction.

Behaviour, request by request:
* Every request: while `faults.warehouse_starting()` is true the answer is HTTP 503 (the connector retries 503s);
  a missing or unknown bearer token is HTTP 401 with `x-thriftserver-error-message` (the connector raises
  `RequestError` without retrying); a warehouse id other than `local` is HTTP 404 `RESOURCE_DOES_NOT_EXIST`
  (UNCERTAIN: the exact status and text of a real workspace were not observed).
* `ExecuteStatement` waits `faults.statement_latency_ms`, logs the statement, translates it (sql_translate), checks
  the caller's grant, runs it on the calling thread's DuckDB cursor and keeps the whole result. With direct results
  requested (the connector's default) the first page rides along; if that was everything, the operation is closed
  server-side in the same answer. A statement that cannot run is a failed operation (`ERROR_STATE` with Databricks'
  error class and SQLSTATE, plus the start of the statement text), which the connector raises as
  `ServerOperationError`; never an empty result.
* An identity without `system_tables_grant` may open sessions and run statements that read no table; a statement
  that reads a system table fails with `[INSUFFICIENT_PERMISSIONS] ... USE SCHEMA on Schema 'system.<schema>'`,
  naming the first schema the statement mentions.
* `FetchResults` pages through the kept result (`hasMoreRows`, several Arrow batches per page, `startRowOffset`).
  `GetOperationStatus`, `GetResultSetMetadata`, `CancelOperation`, `CloseOperation` and `CloseSession` work on the
  session/operation registry; `GetCatalogs`, `GetSchemas`, `GetTables` and `GetColumns` describe the system tables
  (to identities holding the grant). Other calls answer `ERROR_STATUS`.
* Each statement runs in its session's time zone: `TIMEZONE` (or `spark.sql.session.timeZone`) from OpenSession's
  configuration, else the warehouse's default `faults.session_time_zone`; DuckDB's TimeZone is set to it first, so
  dates of instants, `date_trunc`, `current_date()` and timestamps written without an offset follow it, as on
  Databricks. An unknown zone fails OpenSession with INVALID_CONF_VALUE.
* Statements run synchronously: an operation is finished (or failed) by the time its handle is returned, so
  `execute_async` sees FINISHED on its first poll and cancelling only discards the result.

Parameters: the connector's `TSparkParameter(name, type, value.stringValue)` is bound by name and cast to its
declared type (INT, BIGINT, SMALLINT, TINYINT, STRING, DECIMAL(p,s), DOUBLE, FLOAT, BOOLEAN, DATE, TIMESTAMP,
TIMESTAMP_NTZ, VOID, and ARRAY / MAP of those); a value is never spliced into SQL text.

What the connector 4.9.0 yields for each result type (pinned by tests/local_workspace/test_warehouse.py).
`cursor.fetchall()` converts through pandas; `cursor.fetchall_arrow().to_pylist()` through pyarrow:

| Databricks type | fetchall() (Row values)                       | fetchall_arrow().to_pylist()            |
|-----------------|-----------------------------------------------|-----------------------------------------|
| BIGINT / INT    | int                                           | int                                     |
| DOUBLE          | float                                         | float                                   |
| DECIMAL(p,s)    | decimal.Decimal with scale s                  | decimal.Decimal with scale s            |
| BOOLEAN         | bool                                          | bool                                    |
| STRING          | str                                           | str                                     |
| DATE            | datetime.date                                 | datetime.date                           |
| TIMESTAMP       | datetime.datetime, tz-aware, UTC (Etc/UTC)    | datetime.datetime, tz-aware, UTC        |
| ARRAY           | numpy.ndarray (dtype object for strings)      | list                                    |
| STRUCT          | dict                                          | dict                                    |
| MAP             | list of (key, value) tuples                   | list of (key, value) tuples             |
| NULL            | None                                          | None                                    |
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import fnmatch
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from databricks.sql.thrift_api.TCLIService import TCLIService
from databricks.sql.thrift_api.TCLIService import ttypes as T
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport

from gql_monitor.local_workspace.faults import time_zone
from gql_monitor.local_workspace.identities import Identity
from gql_monitor.local_workspace.sql_translate import (
    ALLOWED_SCHEMAS,
    CLOCK_PARAMETER,
    SYSTEM_CATALOG,
    DecimalFunction,
    SqlError,
    Translation,
    Translator,
    duckdb_parameter_name,
    register_decimal_function,
    statement_preview,
)
from gql_monitor.local_workspace.state import LoggedStatement, StatementProfile, WorkspaceState
from gql_monitor.local_workspace.thrift_results import ResultSet

log = logging.getLogger(__name__)

# The one warehouse the stand-in serves (its HTTP path is /sql/1.0/warehouses/local).
WAREHOUSE_ID = "local"
THRIFT_ERROR_HEADER = "x-thriftserver-error-message"
# Results nobody fetched or closed (a client that died) are dropped after this long.
OPERATION_TTL_SECONDS = 3600
MAX_OPERATIONS = 2000
# The longest a request waits while the `warehouse_paused` fault holds it (a test that forgets to resume cannot hang).
PAUSE_LIMIT_SECONDS = 60

_OK = T.TStatus(statusCode=T.TStatusCode.SUCCESS_STATUS)
_SQL_ERROR_IN_TEXT = re.compile(r"\[([A-Z][A-Z0-9_]*(?:\.[A-Z0-9_]+)?)\] (.*?) SQLSTATE: ([0-9A-Z]{5})", re.S)
# DuckDB exception classes and the Databricks error class closest to each.
_DUCKDB_ERRORS = {
    "CatalogException": ("TABLE_OR_VIEW_NOT_FOUND", "42P01"),
    "BinderException": ("UNRESOLVED_COLUMN", "42703"),
    "ParserException": ("PARSE_SYNTAX_ERROR", "42601"),
    "ConversionException": ("CAST_INVALID_INPUT", "22018"),
    "OutOfRangeException": ("ARITHMETIC_OVERFLOW", "22003"),
    "InvalidInputException": ("INVALID_PARAMETER_VALUE", "22023"),
    "NotImplementedException": ("UNSUPPORTED_FEATURE", "0A000"),
}


def _handle_id() -> T.THandleIdentifier:
    return T.THandleIdentifier(guid=uuid.uuid4().bytes, secret=uuid.uuid4().bytes)


def _error_status(error: SqlError, code: int = T.TStatusCode.ERROR_STATUS) -> T.TStatus:
    text = str(error)
    return T.TStatus(statusCode=code, errorMessage=text, displayMessage=text, sqlState=error.sqlstate,
                     errorCode=0)


def _invalid_handle(kind: str, guid: bytes | None) -> T.TStatus:
    shown = uuid.UUID(bytes=guid) if guid and len(guid) == 16 else "?"
    text = f"Invalid {kind}Handle: {kind}Handle [{shown}]"
    return T.TStatus(statusCode=T.TStatusCode.INVALID_HANDLE_STATUS, errorMessage=text, displayMessage=text)


# --- parameters ------------------------------------------------------------------------------------------------------

_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT"}
_WIDTH = {"TINYINT": 0, "SMALLINT": 1, "INT": 2, "INTEGER": 2, "BIGINT": 3}


@dataclass
class BoundParameters:
    types: dict[str, str | None] = field(default_factory=dict)  # marker -> Databricks type (None: NULL)
    values: dict[str, Any] = field(default_factory=dict)  # DuckDB parameter name -> bound value
    logged: dict[str, Any] = field(default_factory=dict)  # marker -> the value as the caller meant it


def _scalar(type_name: str, text: str | None) -> tuple[Any, Any]:
    """(value to bind, value to log) for one scalar. DuckDB's cast to the declared type does the final parsing."""
    if text is None or type_name == "VOID":
        return None, None
    if type_name in _INTEGER_TYPES:
        return int(text), int(text)
    if type_name in ("DOUBLE", "FLOAT"):
        return float(text), float(text)
    if type_name == "BOOLEAN":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"not a boolean: {text!r}")
        return text.lower() == "true", text.lower() == "true"
    if type_name.startswith("DECIMAL"):
        value = decimal.Decimal(text)
        return format(value, "f"), value
    if type_name == "DATE":
        return text, dt.date.fromisoformat(text)
    if type_name in ("TIMESTAMP", "TIMESTAMP_NTZ"):
        try:
            return text, dt.datetime.fromisoformat(text)
        except ValueError:
            return text, text
    if type_name == "STRING":
        return text, text
    raise ValueError(f"parameters of type {type_name} are not supported by the local stand-in")


def _common_type(types: list[str]) -> str:
    known = [t for t in types if t != "VOID"]
    if not known:
        return "STRING"
    if all(t in _INTEGER_TYPES for t in known):
        return max(known, key=lambda t: _WIDTH[t])
    if all(t.startswith("DECIMAL") or t in _INTEGER_TYPES for t in known):
        integral, scale = 0, 0
        for t in known:
            p, s = (int(x) for x in re.findall(r"\d+", t)) if t.startswith("DECIMAL") else (20, 0)
            integral, scale = max(integral, p - s), max(scale, s)
        return f"DECIMAL({min(38, integral + scale)},{scale})"
    if all(t in _INTEGER_TYPES or t in ("DOUBLE", "FLOAT") or t.startswith("DECIMAL") for t in known):
        return "DOUBLE"
    if len(set(known)) == 1:
        return known[0]
    return "STRING"


def _collection(type_name: str, args: list) -> tuple[str, Any, Any]:
    """(element type, values to bind, values to log) for an ARRAY's arguments (or a MAP's keys or values)."""
    converted = [_argument(a) for a in args]
    element = _common_type([c[0] for c in converted])
    values = [c[1] for c in converted]
    if element == "STRING" and len({c[0] for c in converted if c[1] is not None}) > 1:
        # Elements of different types meet as strings, as Spark's array() coerces them.
        values = [None if v is None else str(v) for v in values]
    return element, values, [c[2] for c in converted]


def _argument(arg: T.TSparkParameterValueArg) -> tuple[str, Any, Any]:
    type_name = (arg.type or "STRING").upper()
    if type_name == "ARRAY":
        element, values, logged = _collection(type_name, arg.arguments or [])
        return f"ARRAY<{element}>", values, logged
    if type_name == "MAP":
        raise ValueError("nested MAP parameters are not supported by the local stand-in")
    value, logged = _scalar(type_name, arg.value)
    return type_name, value, logged


def bind_parameters(parameters: list[T.TSparkParameter] | None) -> BoundParameters:
    bound = BoundParameters()
    for ordinal, param in enumerate(parameters or [], start=1):
        marker = param.name if param.name else str(ordinal)
        name = duckdb_parameter_name(marker)
        type_name = (param.type or "STRING").upper()
        if type_name == "ARRAY":
            element, values, logged = _collection(type_name, param.arguments or [])
            bound.types[marker] = f"ARRAY<{element}>"
            bound.values[name] = values
            bound.logged[marker] = logged
        elif type_name == "MAP":
            args = param.arguments or []
            key_type, keys, logged_keys = _collection("MAP", args[0::2])
            value_type, values, logged_values = _collection("MAP", args[1::2])
            bound.types[marker] = f"MAP<{key_type}, {value_type}>"
            bound.values[f"{name}__keys"] = keys
            bound.values[f"{name}__values"] = values
            bound.logged[marker] = dict(zip(logged_keys, logged_values, strict=False))
        else:
            text = param.value.stringValue if param.value is not None else None
            value, logged = _scalar(type_name, text)
            bound.types[marker] = None if value is None else type_name
            if value is not None:
                bound.values[name] = value
            bound.logged[marker] = logged
    return bound


def _raw_parameters(parameters: list[T.TSparkParameter] | None) -> dict[str, Any]:
    """What was sent, for the statement log, when the values could not be converted."""
    raw = {}
    for ordinal, param in enumerate(parameters or [], start=1):
        text = param.value.stringValue if param.value is not None else None
        raw[param.name or str(ordinal)] = text if not param.arguments else [a.value for a in param.arguments]
    return raw


# --- sessions and operations -----------------------------------------------------------------------------------------


# Session configuration keys that set the session time zone (Databricks SQL's TIMEZONE parameter, Spark's own name).
_TIME_ZONE_KEYS = ("timezone", "spark.sql.session.timezone")


@dataclass
class Session:
    identity: Identity
    catalog: str | None
    schema: str | None
    configuration: dict[str, str]
    # The TIMEZONE the client set when opening the session; None: the warehouse's default (faults.session_time_zone).
    time_zone: str | None = None


def _session_time_zone(configuration: dict[str, str]) -> str | None:
    for key, value in configuration.items():
        if key.lower() in _TIME_ZONE_KEYS:
            try:
                return time_zone(value)
            except ValueError:
                raise SqlError("INVALID_CONF_VALUE", f"The value '{value}' in the config \"{key}\" is invalid. "
                               "Cannot resolve the given timezone.", "22022") from None
    return None


@dataclass
class Operation:
    session_guid: bytes
    identity: Identity
    result: ResultSet | None = None
    error: SqlError | None = None
    state: int = T.TOperationState.FINISHED_STATE
    created: float = field(default_factory=time.monotonic)


class Warehouse:
    """Sessions, operations and statement execution; thread-safe, called from Starlette's thread pool."""

    def __init__(self, state: WorkspaceState) -> None:
        self._state = state
        self._translator = Translator.for_database(state.db)
        self._sessions: dict[bytes, Session] = {}
        self._operations: dict[bytes, Operation] = {}
        self._lock = threading.Lock()
        self._functions: set[str] = set()
        self._functions_lock = threading.Lock()

    # Thrift entry point -------------------------------------------------------------------------------------------

    def process(self, identity: Identity, body: bytes) -> bytes:
        itrans = TTransport.TMemoryBuffer(body)
        otrans = TTransport.TMemoryBuffer()
        processor = TCLIService.Processor(_Handler(self, identity))
        processor.process(TBinaryProtocol.TBinaryProtocolAccelerated(itrans),
                          TBinaryProtocol.TBinaryProtocolAccelerated(otrans))
        return otrans.getvalue()

    # Registry -----------------------------------------------------------------------------------------------------

    def open_session(self, identity: Identity, req: T.TOpenSessionReq) -> T.TOpenSessionResp:
        self._state.client_settings.append((identity.user_name, "OpenSession", dict(req.configuration or {})))
        namespace = req.initialNamespace
        handle = _handle_id()
        configuration = dict(req.configuration or {})
        try:
            zone = _session_time_zone(configuration)
        except SqlError as exc:
            return T.TOpenSessionResp(status=_error_status(exc),
                                      serverProtocolVersion=T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8)
        with self._lock:
            self._sessions[handle.guid] = Session(
                identity=identity,
                catalog=namespace.catalogName if namespace else None,
                schema=namespace.schemaName if namespace else None,
                configuration=configuration,
                time_zone=zone,
            )
        return T.TOpenSessionResp(
            status=_OK,
            serverProtocolVersion=T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8,
            sessionHandle=T.TSessionHandle(sessionId=handle),
            canUseMultipleCatalogs=True,
            configuration={},
        )

    def session(self, identity: Identity, handle: T.TSessionHandle | None) -> Session | None:
        guid = handle.sessionId.guid if handle and handle.sessionId else None
        with self._lock:
            session = self._sessions.get(guid)
        # A session belongs to whoever opened it; another token cannot borrow it.
        return session if session is not None and session.identity == identity else None

    def close_session(self, identity: Identity, handle: T.TSessionHandle) -> bool:
        if self.session(identity, handle) is None:
            return False
        guid = handle.sessionId.guid
        with self._lock:
            self._sessions.pop(guid, None)
            for op_guid in [g for g, op in self._operations.items() if op.session_guid == guid]:
                del self._operations[op_guid]
        return True

    def add_operation(self, operation: Operation) -> T.TOperationHandle:
        handle = _handle_id()
        now = time.monotonic()
        with self._lock:
            stale = [g for g, op in self._operations.items() if now - op.created > OPERATION_TTL_SECONDS]
            for guid in stale:
                del self._operations[guid]
            while len(self._operations) >= MAX_OPERATIONS:
                self._operations.pop(next(iter(self._operations)))
            self._operations[handle.guid] = operation
        return T.TOperationHandle(operationId=handle, operationType=T.TOperationType.EXECUTE_STATEMENT,
                                  hasResultSet=True)

    def operation(self, identity: Identity, handle: T.TOperationHandle | None) -> Operation | None:
        guid = handle.operationId.guid if handle and handle.operationId else None
        with self._lock:
            op = self._operations.get(guid)
        return op if op is not None and op.identity == identity else None

    def drop_operation(self, handle: T.TOperationHandle) -> None:
        with self._lock:
            self._operations.pop(handle.operationId.guid, None)

    # Statements ---------------------------------------------------------------------------------------------------

    def execute(self, session_guid: bytes, session: Session, statement: str,
                parameters: list[T.TSparkParameter] | None) -> Operation:
        identity = session.identity
        op = Operation(session_guid=session_guid, identity=identity)
        try:
            bound = bind_parameters(parameters)
        except (ValueError, ArithmeticError, decimal.InvalidOperation) as exc:
            self._state.log_statement(identity.user_name, statement, _raw_parameters(parameters))
            return self._failed(op, SqlError("INVALID_PARAMETER_VALUE", f"A parameter cannot be bound: {exc}.",
                                             "22023"), statement)
        logged = self._state.log_statement(identity.user_name, statement, bound.logged)
        try:
            translation = self._translator.translate(statement, bound.types, catalog=session.catalog,
                                                     schema=session.schema)
            if translation.schemas and not identity.system_tables_grant:
                raise SqlError(
                    "INSUFFICIENT_PERMISSIONS",
                    "Insufficient privileges: User does not have USE SCHEMA on Schema "
                    f"'{SYSTEM_CATALOG}.{translation.schemas[0]}'.",
                    "42501",
                )
            op.result = self._run(translation, bound, session.time_zone or self._state.faults.session_time_zone,
                                  logged)
        except SqlError as exc:
            return self._failed(op, exc, statement)
        except Exception as exc:  # noqa: BLE001 - a stand-in bug must still reach the client as a failed statement
            log.exception("the warehouse failed on a statement")
            return self._failed(op, SqlError("INTERNAL_ERROR", f"The local stand-in failed: {exc!r}.", "XX000"),
                                statement)
        return op

    def _run(self, translation: Translation, bound: BoundParameters, zone: str, logged: LoggedStatement) -> ResultSet:
        cursor = self._state.cursor("warehouse")
        # Casts of timestamps to dates, date_trunc, current_date() and timestamps written without an offset all
        # follow the session time zone, on Databricks as in DuckDB. `zone` is a name DuckDB listed (faults.time_zone).
        cursor.execute(f"SET TimeZone = '{zone}'")
        self._ensure_functions(cursor, translation.decimal_functions)
        values = {name: bound.values[name] for name in translation.parameters if name in bound.values}
        if CLOCK_PARAMETER in translation.parameters:
            values[CLOCK_PARAMETER] = self._state.now.isoformat()
        profiling = self._state.profile_statements
        try:
            if profiling:
                cursor.execute("SET enable_profiling = 'no_output'")
            started = time.perf_counter()
            relation = cursor.sql(translation.sql, params=values or None)
            table = relation.to_arrow_table()
            if profiling:
                logged.profile = StatementProfile(started, (time.perf_counter() - started) * 1000,
                                                  _rows_scanned(cursor.get_profiling_information()), table.num_rows)
            return ResultSet.from_duckdb(relation.columns, relation.types, table, zone)
        except duckdb.Error as exc:
            raise _from_duckdb(exc) from exc
        finally:
            if profiling:
                cursor.execute("PRAGMA disable_profiling")

    def _ensure_functions(self, cursor: duckdb.DuckDBPyConnection, functions: frozenset[DecimalFunction]) -> None:
        missing = [f for f in functions if f.name not in self._functions]
        if not missing:
            return
        with self._functions_lock:
            for function in missing:
                if function.name not in self._functions:
                    register_decimal_function(cursor, function)
                    self._functions.add(function.name)

    @staticmethod
    def _failed(op: Operation, error: SqlError, statement: str) -> Operation:
        if error.error_class != "INSUFFICIENT_PERMISSIONS":
            # The statement's start tells a developer which of their queries failed.
            error = SqlError(error.error_class, f"{error.message} Statement: {statement_preview(statement)}",
                             error.sqlstate)
        op.error = error
        op.state = T.TOperationState.ERROR_STATE
        return op

    # Catalog metadata (GetCatalogs, GetSchemas, GetTables, GetColumns) ----------------------------------------------

    def catalog_rows(self, identity: Identity, kind: str, req: Any) -> ResultSet:
        visible = identity.system_tables_grant
        catalog_ok = _matches(SYSTEM_CATALOG, getattr(req, "catalogName", None))
        if kind == "catalogs":
            return ResultSet.from_rows([("TABLE_CAT", pa.string())], [(SYSTEM_CATALOG,)])
        schemas = [s for s in ALLOWED_SCHEMAS if visible and catalog_ok and _matches(s, req.schemaName)]
        if kind == "schemas":
            return ResultSet.from_rows([("TABLE_SCHEM", pa.string()), ("TABLE_CATALOG", pa.string())],
                                       [(s, SYSTEM_CATALOG) for s in schemas])
        tables = [(s, t) for (s, t) in self._translator.tables if s in schemas and _matches(t, req.tableName)]
        if kind == "tables":
            columns = [("TABLE_CAT", pa.string()), ("TABLE_SCHEM", pa.string()), ("TABLE_NAME", pa.string()),
                       ("TABLE_TYPE", pa.string()), ("REMARKS", pa.string())]
            return ResultSet.from_rows(columns, [(SYSTEM_CATALOG, s, t, "TABLE", "") for s, t in sorted(tables)])
        rows = []
        for schema, table in sorted(tables):
            for position, (column, duck_type) in enumerate(self._translator.tables[(schema, table)].items()):
                if _matches(column, req.columnName):
                    rows.append((SYSTEM_CATALOG, schema, table, column, _databricks_type_name(duck_type),
                                 position, "YES"))
        columns = [("TABLE_CAT", pa.string()), ("TABLE_SCHEM", pa.string()), ("TABLE_NAME", pa.string()),
                   ("COLUMN_NAME", pa.string()), ("TYPE_NAME", pa.string()), ("ORDINAL_POSITION", pa.int32()),
                   ("IS_NULLABLE", pa.string())]
        return ResultSet.from_rows(columns, rows)


def _rows_scanned(profile_json: str) -> int | None:
    query = json.loads(profile_json).get("query")
    return None if query is None else int(query["total_rows_scanned"])


def _matches(name: str, pattern: str | None) -> bool:
    """JDBC-style metadata patterns: % and _ wildcards, case-insensitive; no pattern matches everything."""
    if not pattern or pattern in ("%", "*"):
        return True
    glob = pattern.replace("*", "%").replace("%", "*").replace("_", "?")
    return fnmatch.fnmatchcase(name.lower(), glob.lower())


def _databricks_type_name(duck_type: str) -> str:
    from sqlglot import exp

    try:
        return exp.DataType.build(duck_type, dialect="duckdb").sql("databricks")
    except Exception:  # noqa: BLE001 - a display name only
        return duck_type


def _from_duckdb(exc: duckdb.Error) -> SqlError:
    text = str(exc)
    # Errors raised by the stand-in's own UDFs already carry Databricks' format.
    embedded = _SQL_ERROR_IN_TEXT.search(text)
    if embedded:
        return SqlError(embedded.group(1), embedded.group(2), embedded.group(3))
    error_class, sqlstate = _DUCKDB_ERRORS.get(type(exc).__name__, ("INTERNAL_ERROR", "XX000"))
    first_line = " ".join(text.split("\n")[0].split())
    return SqlError(error_class, f"The local stand-in (DuckDB) could not run the statement: {first_line}", sqlstate)


# --- Thrift handler ---------------------------------------------------------------------------------------------------


class _Handler(TCLIService.Iface):
    """One request's handler: the warehouse plus who is calling."""

    def __init__(self, warehouse: Warehouse, identity: Identity) -> None:
        self._wh = warehouse
        self._who = identity

    def OpenSession(self, req):
        return self._wh.open_session(self._who, req)

    def CloseSession(self, req):
        if not self._wh.close_session(self._who, req.sessionHandle):
            return T.TCloseSessionResp(status=_invalid_handle("Session", _guid(req.sessionHandle)))
        return T.TCloseSessionResp(status=_OK)

    def ExecuteStatement(self, req):
        self._wh._state.client_settings.append((self._who.user_name, "ExecuteStatement", dict(req.confOverlay or {})))
        session = self._wh.session(self._who, req.sessionHandle)
        if session is None:
            return T.TExecuteStatementResp(status=_invalid_handle("Session", _guid(req.sessionHandle)))
        op = self._wh.execute(req.sessionHandle.sessionId.guid, session, req.statement, req.parameters)
        return self._started(op, req.getDirectResults, T.TExecuteStatementResp)

    def GetCatalogs(self, req):
        return self._metadata_call(req, "catalogs", T.TGetCatalogsResp)

    def GetSchemas(self, req):
        return self._metadata_call(req, "schemas", T.TGetSchemasResp)

    def GetTables(self, req):
        return self._metadata_call(req, "tables", T.TGetTablesResp)

    def GetColumns(self, req):
        return self._metadata_call(req, "columns", T.TGetColumnsResp)

    def GetOperationStatus(self, req):
        op = self._wh.operation(self._who, req.operationHandle)
        if op is None:
            return T.TGetOperationStatusResp(status=_invalid_handle("Operation", _op_guid(req.operationHandle)))
        return _status(op)

    def GetResultSetMetadata(self, req):
        op = self._wh.operation(self._who, req.operationHandle)
        if op is None:
            return T.TGetResultSetMetadataResp(status=_invalid_handle("Operation", _op_guid(req.operationHandle)))
        if op.result is None:
            return T.TGetResultSetMetadataResp(status=_error_status(_no_result(op)))
        return op.result.metadata()

    def FetchResults(self, req):
        op = self._wh.operation(self._who, req.operationHandle)
        if op is None:
            return T.TFetchResultsResp(status=_invalid_handle("Operation", _op_guid(req.operationHandle)))
        if op.result is None:
            return T.TFetchResultsResp(status=_error_status(_no_result(op)))
        rows = op.result.next_page(req.maxRows, req.maxBytes)
        return T.TFetchResultsResp(status=_OK, hasMoreRows=not op.result.exhausted, results=rows,
                                   resultSetMetadata=op.result.metadata())

    def CancelOperation(self, req):
        op = self._wh.operation(self._who, req.operationHandle)
        if op is None:
            return T.TCancelOperationResp(status=_invalid_handle("Operation", _op_guid(req.operationHandle)))
        if op.state == T.TOperationState.FINISHED_STATE and op.result is not None and not op.result.exhausted:
            op.state, op.result = T.TOperationState.CANCELED_STATE, None
        return T.TCancelOperationResp(status=_OK)

    def CloseOperation(self, req):
        # Closing twice (or after the server closed it with direct results) is harmless, as on Databricks.
        if self._wh.operation(self._who, req.operationHandle) is not None:
            self._wh.drop_operation(req.operationHandle)
        return T.TCloseOperationResp(status=_OK)

    def GetInfo(self, req):
        return T.TGetInfoResp(status=_unsupported("GetInfo"), infoValue=T.TGetInfoValue(stringValue=""))

    def GetTypeInfo(self, req):
        return T.TGetTypeInfoResp(status=_unsupported("GetTypeInfo"))

    def GetTableTypes(self, req):
        return T.TGetTableTypesResp(status=_unsupported("GetTableTypes"))

    def GetFunctions(self, req):
        return T.TGetFunctionsResp(status=_unsupported("GetFunctions"))

    def GetPrimaryKeys(self, req):
        return T.TGetPrimaryKeysResp(status=_unsupported("GetPrimaryKeys"))

    def GetCrossReference(self, req):
        return T.TGetCrossReferenceResp(status=_unsupported("GetCrossReference"))

    def GetDelegationToken(self, req):
        return T.TGetDelegationTokenResp(status=_unsupported("GetDelegationToken"))

    def CancelDelegationToken(self, req):
        return T.TCancelDelegationTokenResp(status=_unsupported("CancelDelegationToken"))

    def RenewDelegationToken(self, req):
        return T.TRenewDelegationTokenResp(status=_unsupported("RenewDelegationToken"))

    # Helpers ------------------------------------------------------------------------------------------------------

    def _metadata_call(self, req, kind: str, response_type):
        session = self._wh.session(self._who, req.sessionHandle)
        if session is None:
            return response_type(status=_invalid_handle("Session", _guid(req.sessionHandle)))
        op = Operation(session_guid=req.sessionHandle.sessionId.guid, identity=self._who,
                       result=self._wh.catalog_rows(self._who, kind, req))
        return self._started(op, req.getDirectResults, response_type)

    def _started(self, op: Operation, direct: T.TSparkGetDirectResults | None, response_type):
        handle = self._wh.add_operation(op)
        if direct is None:
            return response_type(status=_OK, operationHandle=handle)
        if op.result is None:
            results = T.TSparkDirectResults(operationStatus=_status(op))
            return response_type(status=_OK, operationHandle=handle, directResults=results)
        rows = op.result.next_page(direct.maxRows, direct.maxBytes)
        done = op.result.exhausted
        results = T.TSparkDirectResults(
            operationStatus=_status(op),
            resultSetMetadata=op.result.metadata(),
            resultSet=T.TFetchResultsResp(status=_OK, hasMoreRows=not done, results=rows),
            # Everything delivered: the server closes the operation and the client will not ask again.
            closeOperation=T.TCloseOperationResp(status=_OK) if done else None,
        )
        if done:
            self._wh.drop_operation(handle)
        return response_type(status=_OK, operationHandle=handle, directResults=results)


def _status(op: Operation) -> T.TGetOperationStatusResp:
    if op.error is not None:
        text = str(op.error)
        return T.TGetOperationStatusResp(status=_OK, operationState=T.TOperationState.ERROR_STATE,
                                         sqlState=op.error.sqlstate, errorCode=0, errorMessage=text,
                                         displayMessage=text, hasResultSet=False)
    return T.TGetOperationStatusResp(status=_OK, operationState=op.state, hasResultSet=op.result is not None,
                                     numModifiedRows=None)


def _no_result(op: Operation) -> SqlError:
    if op.error is not None:
        return op.error
    return SqlError("OPERATION_CANCELED", "The operation was cancelled; its result is gone.", "HY008")


def _unsupported(method: str) -> T.TStatus:
    return _error_status(SqlError("NOT_SUPPORTED_COMMAND", f"{method} is not supported by the local stand-in.",
                                  "0A000"))


def _guid(handle: T.TSessionHandle | None) -> bytes | None:
    return handle.sessionId.guid if handle and handle.sessionId else None


def _op_guid(handle: T.TOperationHandle | None) -> bytes | None:
    return handle.operationId.guid if handle and handle.operationId else None


# --- HTTP -------------------------------------------------------------------------------------------------------------


def _thrift_method(body: bytes) -> str | None:
    try:
        name, _, _ = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(body)).readMessageBegin()
        return name
    except Exception:  # noqa: BLE001 - a malformed body is the processor's problem, not ours
        return None


def _http_error(status: int, message: str, extra: dict[str, str] | None = None) -> Response:
    headers = {THRIFT_ERROR_HEADER: message, "x-databricks-reason-phrase": message, **(extra or {})}
    return Response(b"", status_code=status, headers=headers, media_type="text/plain")


def routes(state: WorkspaceState) -> list[Route]:
    warehouse = Warehouse(state)

    async def endpoint(request: Request) -> Response:
        # Faults can change between requests (POST /_local/faults), so they are read every time.
        faults = state.faults
        waited = 0.0
        while faults.warehouse_paused and waited < PAUSE_LIMIT_SECONDS:
            await asyncio.sleep(0.01)
            waited += 0.01
        if faults.warehouse_starting():
            faults.note("warehouse_503")
            return _http_error(503, "TEMPORARILY_UNAVAILABLE: The SQL warehouse is starting, retry later",
                               {"Retry-After": "1"})
        identity = state.tokens.resolve_header(request.headers.get("authorization"))
        if identity is None:
            return _http_error(401, "UNAUTHENTICATED: Invalid access token")
        warehouse_id = request.path_params["warehouse_id"]
        if warehouse_id != WAREHOUSE_ID:
            return _http_error(404, f"RESOURCE_DOES_NOT_EXIST: SQL warehouse {warehouse_id} does not exist")
        body = await request.body()
        if faults.statement_latency_ms > 0 and _thrift_method(body) == "ExecuteStatement":
            delay_ms = faults.statement_latency_ms
            await asyncio.sleep(delay_ms / 1000)
            faults.note("statement_latency_ms", delay_ms)
        payload = await run_in_threadpool(warehouse.process, identity, body)
        return Response(payload, media_type="application/x-thrift")

    return [Route("/sql/1.0/warehouses/{warehouse_id}", endpoint, methods=["POST"])]
