"""Query results in the shape a Databricks SQL warehouse sends them over Thrift: Arrow IPC batches plus a Hive schema.

DuckDB's result types are mapped to the types Databricks would report for the same query, so that the connector
converts them exactly as it would against a real warehouse:

| DuckDB                                   | Databricks (TTypeId)  | Arrow                          |
|------------------------------------------|-----------------------|--------------------------------|
| BOOLEAN                                  | BOOLEAN               | bool                           |
| TINYINT / SMALLINT / INTEGER / BIGINT    | TINYINT ... BIGINT    | int8 ... int64                 |
| UTINYINT / USMALLINT / UINTEGER          | SMALLINT / INT / BIGINT | next wider signed integer    |
| UBIGINT / HUGEINT / UHUGEINT             | BIGINT                | int64 (an overflow is an error, as in ANSI mode) |
| FLOAT / DOUBLE                           | FLOAT / DOUBLE        | float32 / float64              |
| DECIMAL(p,s)                             | DECIMAL + qualifiers  | decimal128(p, s)               |
| VARCHAR, JSON, UUID, ENUM                | STRING                | string                         |
| BLOB, BIT                                | BINARY                | binary                         |
| DATE                                     | DATE                  | date32                         |
| TIMESTAMP (any unit, with or without zone) | TIMESTAMP           | timestamp[us, tz=Etc/UTC]      |
| LIST / ARRAY                             | ARRAY                 | list<...>                      |
| STRUCT                                   | STRUCT                | struct<...>                    |
| MAP                                      | MAP                   | map<...>                       |
| NULL (a bare NULL literal)               | NULL (void)           | null                           |
| INTERVAL (days and time)                 | STRING                | string, Hive style: `[-]D HH:MM:SS.nnnnnnnnn` |
| anything else (TIME, UNION...)           | STRING                | string (Python str() of the value) |

Spark's TIMESTAMP is an instant; naive DuckDB timestamps (from casts, strptime, date arithmetic) are wall times in the
session time zone (UTC unless the session or the warehouse's default says otherwise), so both kinds become UTC
instants.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from databricks.sql.thrift_api.TCLIService import ttypes as T

from gql_monitor.local_workspace.sql_translate import SqlError

TIMESTAMP_ZONE = "Etc/UTC"
# Real warehouses cut results into batches of a few MB; row-capped batches make paging visible on small data too.
ROWS_PER_BATCH = 10_000
DEFAULT_PAGE_ROWS = 100_000

_TYPE_IDS = {
    pa.types.is_boolean: T.TTypeId.BOOLEAN_TYPE,
    pa.types.is_int8: T.TTypeId.TINYINT_TYPE,
    pa.types.is_int16: T.TTypeId.SMALLINT_TYPE,
    pa.types.is_int32: T.TTypeId.INT_TYPE,
    pa.types.is_int64: T.TTypeId.BIGINT_TYPE,
    pa.types.is_float32: T.TTypeId.FLOAT_TYPE,
    pa.types.is_float64: T.TTypeId.DOUBLE_TYPE,
    pa.types.is_decimal: T.TTypeId.DECIMAL_TYPE,
    pa.types.is_string: T.TTypeId.STRING_TYPE,
    pa.types.is_binary: T.TTypeId.BINARY_TYPE,
    pa.types.is_date32: T.TTypeId.DATE_TYPE,
    pa.types.is_timestamp: T.TTypeId.TIMESTAMP_TYPE,
    pa.types.is_list: T.TTypeId.ARRAY_TYPE,
    pa.types.is_map: T.TTypeId.MAP_TYPE,  # before struct: a map's storage is a list of structs
    pa.types.is_struct: T.TTypeId.STRUCT_TYPE,
    pa.types.is_null: T.TTypeId.NULL_TYPE,
}

_INTEGERS = {
    "tinyint": pa.int8(), "smallint": pa.int16(), "integer": pa.int32(), "bigint": pa.int64(),
    "utinyint": pa.int16(), "usmallint": pa.int32(), "uinteger": pa.int64(),
    "ubigint": pa.int64(), "hugeint": pa.int64(), "uhugeint": pa.int64(),
}
_STRINGS = {"varchar", "uuid", "enum", "json"}
_TIMESTAMPS = {"timestamp", "timestamp with time zone", "timestamp_s", "timestamp_ms", "timestamp_ns"}


class _NoArrowEquivalent(Exception):
    pass


def spark_arrow_type(duck_type: duckdb.DuckDBPyType) -> pa.DataType:
    """The Arrow type Databricks would send for a value of this DuckDB type."""
    kind = duck_type.id
    if kind == "boolean":
        return pa.bool_()
    if kind in _INTEGERS:
        return _INTEGERS[kind]
    if kind == "float":
        return pa.float32()
    if kind == "double":
        return pa.float64()
    if kind == "decimal":
        params = dict(duck_type.children)
        return pa.decimal128(params["precision"], params["scale"])
    if kind in _STRINGS:
        return pa.string()
    if kind in ("blob", "bit"):
        return pa.binary()
    if kind == "date":
        return pa.date32()
    if kind in _TIMESTAMPS:
        return pa.timestamp("us", tz=TIMESTAMP_ZONE)
    if kind in ("list", "array"):
        return pa.list_(spark_arrow_type(dict(duck_type.children)["child"]))
    if kind == "struct":
        return pa.struct([pa.field(name, spark_arrow_type(child)) for name, child in duck_type.children])
    if kind == "map":
        children = dict(duck_type.children)
        return pa.map_(spark_arrow_type(children["key"]), spark_arrow_type(children["value"]))
    if kind == "null":
        return pa.null()
    raise _NoArrowEquivalent(kind)


def _type_id(arrow_type: pa.DataType) -> int:
    for test, type_id in _TYPE_IDS.items():
        if test(arrow_type):
            return type_id
    raise ValueError(f"no Databricks type for {arrow_type}")


def _as_strings(column: pa.ChunkedArray) -> pa.Array:
    return pa.array([None if v is None else str(v) for v in column.to_pylist()], type=pa.string())


def _as_instants(column: pa.ChunkedArray, time_zone: str) -> pa.ChunkedArray:
    """Naive timestamps are wall times of the session's zone; give them that zone so the cast to UTC keeps the
    instant."""
    if pa.types.is_timestamp(column.type) and column.type.tz is None and time_zone != "UTC":
        return pc.assume_timezone(column, time_zone, ambiguous="earliest", nonexistent="earliest")
    return column


def _hive_day_time(value) -> str | None:
    if value is None:
        return None
    months, days, nanos = value.months, value.days, value.nanoseconds
    if months:
        return f"{months} months {days} days {nanos // 1000} microseconds"  # no day-time interval has months
    nanos += days * 86_400 * 10**9
    sign, nanos = ("-" if nanos < 0 else ""), abs(nanos)
    seconds, fraction = divmod(nanos, 10**9)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    whole_days, hour = divmod(hours, 24)
    return f"{sign}{whole_days} {hour:02d}:{minute:02d}:{second:02d}.{fraction:09d}"


def _convert_column(name: str, column: pa.ChunkedArray, duck_type: duckdb.DuckDBPyType) -> pa.ChunkedArray | pa.Array:
    if duck_type.id == "interval":
        return pa.array([_hive_day_time(v) for v in column.to_pylist()], type=pa.string())
    try:
        target = spark_arrow_type(duck_type)
    except _NoArrowEquivalent:
        return _as_strings(column)
    if column.type == target:
        return column
    try:
        return column.cast(target, safe=True)
    except pa.ArrowNotImplementedError:
        return _as_strings(column)
    except pa.ArrowInvalid as exc:
        raise SqlError(
            "ARITHMETIC_OVERFLOW",
            f"Column `{name}` of type {duck_type} does not fit the type Databricks returns ({target}): {exc}.",
            "22003",
        ) from exc


def _column_desc(name: str, position: int, arrow_type: pa.DataType) -> T.TColumnDesc:
    qualifiers = None
    if pa.types.is_decimal(arrow_type):
        qualifiers = T.TTypeQualifiers(qualifiers={
            "precision": T.TTypeQualifierValue(i32Value=arrow_type.precision),
            "scale": T.TTypeQualifierValue(i32Value=arrow_type.scale),
        })
    entry = T.TTypeEntry(primitiveEntry=T.TPrimitiveTypeEntry(type=_type_id(arrow_type), typeQualifiers=qualifiers))
    return T.TColumnDesc(columnName=name, typeDesc=T.TTypeDesc(types=[entry]), position=position)


@dataclass
class ResultSet:
    """A complete result, held until the client has fetched it; pages are cut from it on demand."""

    table: pa.Table
    columns: list[T.TColumnDesc]
    schema_bytes: bytes
    next_row: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_duckdb(cls, names: Sequence[str], duck_types: Sequence[duckdb.DuckDBPyType], table: pa.Table,
                    time_zone: str = "UTC") -> "ResultSet":
        arrays = [_convert_column(n, _as_instants(table.column(i), time_zone), t)
                  for i, (n, t) in enumerate(zip(names, duck_types, strict=True))]
        return cls.from_arrays(list(names), arrays)

    @classmethod
    def from_rows(cls, columns: Sequence[tuple[str, pa.DataType]], rows: Sequence[Sequence[Any]]) -> "ResultSet":
        arrays = [pa.array([row[i] for row in rows], type=t) for i, (_, t) in enumerate(columns)]
        return cls.from_arrays([n for n, _ in columns], arrays)

    @classmethod
    def from_arrays(cls, names: list[str], arrays: list) -> "ResultSet":
        # Arrow allows repeated column names, as Spark does (SELECT a, a).
        schema = pa.schema([pa.field(n, a.type) for n, a in zip(names, arrays, strict=True)])
        table = pa.Table.from_arrays(arrays, schema=schema)
        columns = [_column_desc(f.name, i + 1, f.type) for i, f in enumerate(schema)]
        return cls(table=table, columns=columns, schema_bytes=schema.serialize().to_pybytes())

    @property
    def total_rows(self) -> int:
        return self.table.num_rows

    @property
    def exhausted(self) -> bool:
        return self.next_row >= self.table.num_rows

    def metadata(self) -> T.TGetResultSetMetadataResp:
        return T.TGetResultSetMetadataResp(
            status=T.TStatus(statusCode=T.TStatusCode.SUCCESS_STATUS),
            schema=T.TTableSchema(columns=self.columns),
            resultFormat=T.TSparkRowSetType.ARROW_BASED_SET,
            lz4Compressed=False,
            arrowSchema=self.schema_bytes,
            isStagingOperation=False,
        )

    def next_page(self, max_rows: int | None, max_bytes: int | None) -> T.TRowSet:
        """The next rows (at most max_rows, and roughly at most max_bytes), as Arrow IPC record batches."""
        with self._lock:
            start = self.next_row
            remaining = self.table.num_rows - start
            rows = min(remaining, max_rows if max_rows and max_rows > 0 else DEFAULT_PAGE_ROWS)
            if max_bytes and max_bytes > 0 and rows > 1 and self.table.num_rows:
                bytes_per_row = max(1, self.table.nbytes // self.table.num_rows)
                rows = max(1, min(rows, max_bytes // bytes_per_row))
            self.next_row = start + rows
        batches = self.table.slice(start, rows).to_batches(max_chunksize=ROWS_PER_BATCH) if rows else []
        return T.TRowSet(
            startRowOffset=start,
            rows=[],
            arrowBatches=[
                T.TSparkArrowBatch(batch=b.serialize().to_pybytes(), rowCount=b.num_rows) for b in batches
            ],
        )
