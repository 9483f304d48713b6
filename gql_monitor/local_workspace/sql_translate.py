"""Databricks SQL to DuckDB, for the stand-in warehouse.

The monitor's statements are written once, in Databricks SQL. The stand-in parses each one with sqlglot's
Databricks dialect, checks what it may read, rewrites the parse tree where DuckDB's semantics differ from Databricks',
and prints DuckDB SQL. Every rewrite works on the expression tree, never on the SQL text.

What a statement may read: the system tables of the schemas in `ALLOWED_SCHEMAS`, always written
`system.<schema>.<table>` (DuckDB reserves the catalog name `system`, so the tables live in plain schemas and the
prefix is dropped). The stand-in's own `workspace_state` schema, other catalogs, DuckDB's catalog functions and
anything that reads files are refused, as are statements other than queries (the system tables are read-only).

Native named parameter markers (`:name`) become DuckDB parameters bound by name and cast to the type the
connector declared, so a value always stays data and keeps its Databricks type. Positional markers (`?`) become
`$_pos_N` in the order they appear.

Semantic differences handled here (sqlglot's own Databricks-to-DuckDB mapping covers the rest, e.g. QUALIFY,
GROUP BY ALL, named_struct, element_at, max_by/min_by, count_if, try_divide, explode, LEFT ANTI/SEMI JOIN, 0-based
array indexes, NULLS FIRST as Spark's default ascending order):
* `percentile` is exact and interpolated (DuckDB `quantile_cont`, not `quantile` which is discrete) and returns
  DOUBLE; `percentile_approx`/`approx_percentile` return a value of the column (DuckDB's exact `quantile_disc`
  stands in for the approximation).
* `datediff(end, start)` counts calendar days; `datediff(unit, start, end)`, `date_diff(unit, ...)` and
  `timestampdiff` count *complete* units (DuckDB `date_sub`), whereas DuckDB's `date_diff` counts boundaries crossed.
* `unix_timestamp(ts)` takes a timestamp or a string and returns whole seconds (BIGINT).
* `date_add(d, n)` / `date_sub(d, n)` return a DATE (DuckDB's `date + INTERVAL` would give a TIMESTAMP).
* `dayofweek` counts 1 = Sunday (DuckDB: 0 = Sunday).
* `collect_list` / `collect_set` of nothing is an empty array, not NULL.
* `explode_outer` and `LATERAL VIEW OUTER explode` keep a NULL row for a NULL or empty array.
* `LIKE` / `ILIKE` escape with a backslash unless told otherwise (DuckDB has no default escape character).
* `exists(array, lambda)` / `forall(array, lambda)` test the elements (sqlglot drops the lambda).
* `range(...)` as a table yields a column named `id`.
* `GROUP BY ALL` next to `QUALIFY` is spelled out (DuckDB refuses the combination).
* Decimal arithmetic follows Spark's result types (`decimal(38,18) * decimal(38,18)` is `decimal(38,6)`, not
  DuckDB's overflowing `decimal(38,36)`; sums keep `min(38, p+10)` digits; averages are `decimal(p+4, s+4)`);
  products and quotients of decimals are computed exactly, rounded half-up, by the `spark_decimal_*` functions
  that `register_decimal_function` creates. Dividing a decimal by zero fails with DIVIDE_BY_ZERO (ANSI mode).
* Timestamp differences are day-time intervals, and `sum` / `avg` of them are intervals too (DuckDB has no sum of
  INTERVAL): they are summed as microseconds (`epoch_us`) and turned back into an interval.
* A STRING parameter compared with a timestamp, date, number or boolean is cast to that type, as Spark coerces it
  (DuckDB refuses to compare VARCHAR with other types); a string that is no such value fails with
  CAST_INVALID_INPUT, as in ANSI mode.
* Whatever sqlglot reports it cannot express in DuckDB fails the statement (UNSUPPORTED_FEATURE) instead of
  running with possibly different semantics.

The clock is the workspace's: `current_timestamp()` / `now()` / `getdate()`, `current_date()` / `curdate()` and
`localtimestamp()` read the synthetic workspace's "now" (workspace_state.meta now_ms, what `--now` set when it was
generated), bound as the `CLOCK_PARAMETER` at run time, not the machine's clock; so a statement answers the same on
any day, as the data it reads does.
"""

from __future__ import annotations

import collections
import decimal
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from sqlglot import exp
from sqlglot.dialects.databricks import Databricks
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError
from sqlglot.helper import seq_get
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.parsers.databricks import DatabricksParser
from sqlglot.schema import MappingSchema

log = logging.getLogger(__name__)

ALLOWED_SCHEMAS = ("billing", "lakeflow", "compute", "access")
PRIVATE_SCHEMA = "workspace_state"
SYSTEM_CATALOG = "system"
STATEMENT_PREVIEW_CHARS = 160
# The DuckDB parameter the warehouse binds to the workspace's "now" (an ISO-8601 instant) for the clock functions.
CLOCK_PARAMETER = "__stand_in_now"

# Table-valued functions Databricks offers that DuckDB can evaluate too. Anything else in a FROM clause that is a
# function (read_csv, glob, duckdb_tables, query, ...) would reach past the system tables and is refused.
_TABLE_FUNCTIONS = frozenset({"range", "explode", "explode_outer", "posexplode", "inline", "unnest"})
# DuckDB scalar functions that read files, settings or the environment; Databricks has no functions of these names.
_DENIED_FUNCTION_PREFIXES = ("read_", "glob", "duckdb_", "pragma_", "parquet_", "sqlite_", "postgres_", "mysql_",
                             "iceberg_", "delta_", "sniff_csv", "getenv", "query", "which_secret", "load_", "install_")


_FILE_READERS = tuple(getattr(exp, n) for n in ("ReadCSV", "ReadParquet", "ReadJSON") if hasattr(exp, n))


class SqlError(Exception):
    """A statement Databricks would refuse, with its error class and SQLSTATE, formatted the way Databricks does."""

    def __init__(self, error_class: str, message: str, sqlstate: str) -> None:
        self.error_class = error_class
        self.message = message
        self.sqlstate = sqlstate
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"[{self.error_class}] {self.message} SQLSTATE: {self.sqlstate}"


def statement_preview(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= STATEMENT_PREVIEW_CHARS else flat[:STATEMENT_PREVIEW_CHARS] + " ..."


@dataclass(frozen=True)
class DecimalFunction:
    """An exact decimal product or quotient with Spark's result type; the warehouse registers it with DuckDB."""

    op: str  # "mul" or "div"
    left: tuple[int, int]
    right: tuple[int, int]
    result: tuple[int, int]
    # The exact value is rounded half-up to this scale, then fitted into `result` (an average rounds to its
    # quotient's scale, then widens to its own result type).
    rounding: int

    @property
    def name(self) -> str:
        return "spark_decimal_{}_{}_{}_{}_{}_{}_{}_r{}".format(
            self.op, *self.left, *self.right, *self.result, self.rounding
        )


_DECIMAL_CONTEXT = decimal.Context(prec=120, rounding=decimal.ROUND_HALF_UP)
_ARROW_MAX_DECIMAL_PRECISION = 76


def register_decimal_function(con: duckdb.DuckDBPyConnection, function: DecimalFunction) -> None:
    """Create `function` in the database of `con` (DuckDB functions are visible to every cursor of a database)."""
    (p1, s1), (p2, s2), (p, s) = function.left, function.right, function.result
    result_type = pa.decimal128(p, s)

    def fit(values: pa.Array) -> pa.Array:
        try:
            return values.cast(result_type)
        except pa.ArrowInvalid as exc:
            raise ArithmeticError(
                f"[NUMERIC_VALUE_OUT_OF_RANGE] A value cannot be represented as Decimal({p}, {s}). "
                "SQLSTATE: 22003"
            ) from exc

    def multiply(left: pa.Array, right: pa.Array) -> pa.Array:
        # decimal256 holds the exact product as long as the precisions add up to at most 76 digits.
        right_precision = min(p2, _ARROW_MAX_DECIMAL_PRECISION - 1 - p1)
        try:
            exact = pc.multiply_checked(left.cast(pa.decimal256(p1, s1)),
                                        right.cast(pa.decimal256(right_precision, s2)))
        except pa.ArrowInvalid as exc:
            raise ArithmeticError(f"[ARITHMETIC_OVERFLOW] Decimal multiplication overflow: {exc}. SQLSTATE: 22003") \
                from exc
        return fit(pc.round(exact, ndigits=function.rounding, round_mode="half_towards_infinity"))

    def divide(left: pa.Array, right: pa.Array) -> pa.Array:
        step = decimal.Decimal(1).scaleb(-function.rounding)
        out = []
        for x, y in zip(left.to_pylist(), right.to_pylist(), strict=True):
            if x is None or y is None:
                out.append(None)
                continue
            if y == 0:
                raise ZeroDivisionError(
                    "[DIVIDE_BY_ZERO] Division by zero. Use `try_divide` to tolerate divisor being 0 and return "
                    "NULL instead. SQLSTATE: 22012"
                )
            out.append(_DECIMAL_CONTEXT.divide(x, y).quantize(step, context=_DECIMAL_CONTEXT))
        return fit(pa.array(out, type=pa.decimal256(_ARROW_MAX_DECIMAL_PRECISION, function.rounding)))

    try:
        con.create_function(
            function.name,
            multiply if function.op == "mul" else divide,
            [duckdb.sqltype(f"DECIMAL({p1},{s1})"), duckdb.sqltype(f"DECIMAL({p2},{s2})")],
            duckdb.sqltype(f"DECIMAL({p},{s})"),
            type="arrow",
            side_effects=False,
        )
    except (duckdb.CatalogException, duckdb.NotImplementedException):
        pass  # created earlier, by this or another thread


@dataclass(frozen=True)
class Translation:
    sql: str
    # The system schemas the statement reads, first mention first (the permission error names the first).
    schemas: tuple[str, ...]
    # The DuckDB parameters the statement binds (see duckdb_parameter_name).
    parameters: tuple[str, ...]
    decimal_functions: frozenset[DecimalFunction] = field(default_factory=frozenset)


def duckdb_parameter_name(marker: str) -> str:
    """The DuckDB parameter bound for a marker: `:name` keeps its name, the N-th `?` is `_pos_N`."""
    return f"_pos_{marker}" if marker.isdigit() else marker


# --- dialect ---------------------------------------------------------------------------------------------------------


def _build_datediff(args: list) -> exp.Expression:
    # sqlglot's Databricks parser maps both forms to one node; they differ: the 2-argument form counts calendar days
    # between the dates, the 3-argument form (an alias of timestampdiff) counts complete units.
    if len(args) >= 3:
        return exp.TimestampDiff(this=args[2], expression=args[1], unit=exp.var(args[0].name.upper()))
    return exp.DateDiff(
        this=exp.TsOrDsToDate(this=seq_get(args, 0)),
        expression=exp.TsOrDsToDate(this=seq_get(args, 1)),
        unit=exp.var("DAY"),
    )


class _StandInParser(DatabricksParser):
    FUNCTIONS = {**DatabricksParser.FUNCTIONS, "DATEDIFF": _build_datediff, "DATE_DIFF": _build_datediff}

    def _parse_placeholder(self) -> exp.Expression | None:
        # Positional markers bind in the order they appear in the text, which tree order does not preserve.
        start = self._curr.start if self._curr is not None else None
        node = super()._parse_placeholder()
        if isinstance(node, exp.Placeholder) and start is not None:
            node.meta["text_position"] = start
        return node


class StandInDatabricks(Databricks):
    """Databricks SQL as sqlglot reads it, except that datediff's two forms stay distinguishable."""

    Parser = _StandInParser


# --- Spark decimal result types ---------------------------------------------------------------------------------------

_MAX_PRECISION = 38
_MIN_ADJUSTED_SCALE = 6
_INTEGRAL_PRECISION = {exp.DType.TINYINT: 3, exp.DType.SMALLINT: 5, exp.DType.INT: 10, exp.DType.BIGINT: 20}


def _bounded(precision: int, scale: int) -> tuple[int, int]:
    return min(precision, _MAX_PRECISION), min(scale, _MAX_PRECISION)


def _adjust(precision: int, scale: int) -> tuple[int, int]:
    # Spark's DecimalPrecision with spark.sql.decimalOperations.allowPrecisionLoss=true (the default): keep the
    # integral digits and give up scale, down to 6 digits.
    if precision <= _MAX_PRECISION:
        return precision, scale
    integral = precision - scale
    return _MAX_PRECISION, max(_MAX_PRECISION - integral, min(scale, _MIN_ADJUSTED_SCALE))


def spark_decimal_result(op: str, left: tuple[int, int], right: tuple[int, int]) -> tuple[int, int]:
    (p1, s1), (p2, s2) = left, right
    if op in ("add", "sub"):
        scale = max(s1, s2)
        return _adjust(max(p1 - s1, p2 - s2) + scale + 1, scale)
    if op == "mul":
        return _adjust(p1 + p2 + 1, s1 + s2)
    if op == "div":
        scale = max(_MIN_ADJUSTED_SCALE, s1 + p2 + 1)
        return _adjust(p1 - s1 + s2 + scale, scale)
    raise ValueError(op)


def _numeric_kind(node: exp.Expression) -> tuple[str, tuple[int, int] | None]:
    """("decimal", (p, s)), ("integral", (p, 0)) as Spark widens integers in decimal arithmetic, or ("other", None)."""
    literal = node.this if isinstance(node, exp.Neg) else node
    if isinstance(literal, exp.Literal) and not literal.is_string:
        text = literal.this
        if "e" in text.lower():
            return "other", None
        # Spark types a numeric literal by its digits: 1.5 is decimal(2,1), 0.015 is decimal(3,3), and 2 next to a
        # decimal is decimal(1,0).
        value = decimal.Decimal(text).as_tuple()
        scale = max(0, -value.exponent)
        return ("decimal" if "." in text else "integral"), (max(len(value.digits), scale, 1), scale)
    dtype = node.type
    if dtype is None:
        return "other", None
    if dtype.this == exp.DType.DECIMAL:
        params = dtype.expressions
        if len(params) == 2:
            return "decimal", (int(params[0].name), int(params[1].name))
        return "decimal", (10, 0)
    if dtype.this in _INTEGRAL_PRECISION:
        return "integral", (_INTEGRAL_PRECISION[dtype.this], 0)
    return "other", None


def _decimal_of(node: exp.Expression) -> tuple[int, int] | None:
    kind, precision_scale = _numeric_kind(node)
    return precision_scale if kind != "other" else None


def _decimal_type(precision: int, scale: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({precision}, {scale})")


_BINARY_OPS: dict[type, str] = {exp.Add: "add", exp.Sub: "sub", exp.Mul: "mul", exp.Div: "div", exp.SafeDivide: "div"}


_SPARK_TYPED = "stand_in_spark_decimal"


def _annotate_spark_arithmetic(default: Callable) -> Callable:
    def annotator(self, node: exp.Expression) -> exp.Expression:
        default(self, node)
        (left_kind, left), (right_kind, right) = _numeric_kind(node.this), _numeric_kind(node.expression)
        if "decimal" in (left_kind, right_kind) and "other" not in (left_kind, right_kind):
            self._set_type(node, _decimal_type(*spark_decimal_result(_BINARY_OPS[type(node)], left, right)))
            node.meta[_SPARK_TYPED] = True
        return node

    return annotator


def _aggregated_decimal(node: exp.Expression) -> tuple[int, int] | None:
    arg = node.this.this if isinstance(node.this, exp.Distinct) else node.this
    if arg is None:
        return None
    kind, precision_scale = _numeric_kind(arg)
    return precision_scale if kind == "decimal" else None


def _annotate_spark_sum(self, node: exp.Expression) -> exp.Expression:
    self._annotate_by_args(node, "this", "expressions", promote=True)
    operand = _aggregated_decimal(node)
    if operand is not None:
        self._set_type(node, _decimal_type(*_bounded(operand[0] + 10, operand[1])))
        node.meta[_SPARK_TYPED] = True
    return node


def _annotate_spark_avg(self, node: exp.Expression) -> exp.Expression:
    operand = _aggregated_decimal(node)
    if operand is not None:
        self._set_type(node, _decimal_type(*_bounded(operand[0] + 4, operand[1] + 4)))
        node.meta[_SPARK_TYPED] = True
    else:
        self._set_type(node, exp.DType.DOUBLE)
    return node


def _default_annotator(expression_type: type) -> Callable:
    spec = StandInDatabricks.EXPRESSION_METADATA.get(expression_type, {})
    if "annotator" in spec:
        return spec["annotator"]
    return lambda self, e: self._set_type(e, spec.get("returns", exp.DType.UNKNOWN))


class _SparkTyping(StandInDatabricks):
    """Only for type inference: Databricks' typing plus Spark's decimal arithmetic rules."""

    EXPRESSION_METADATA = {
        **StandInDatabricks.EXPRESSION_METADATA,
        **{t: {"annotator": _annotate_spark_arithmetic(_default_annotator(t))} for t in _BINARY_OPS},
        exp.Sum: {"annotator": _annotate_spark_sum},
        exp.Avg: {"annotator": _annotate_spark_avg},
    }


# --- the translator ---------------------------------------------------------------------------------------------------

_DUCKDB = sqlglot.Dialect.get_or_raise("duckdb")
# sqlglot warns that EXTRACT and the like from a zoned timestamp depend on the engine's zone. Not a difference here: the
# warehouse sets DuckDB's TimeZone to the Databricks session's time zone before every statement (warehouse.py).
_BENIGN_UNSUPPORTED = re.compile(r"time ?zone", re.IGNORECASE)
_DEFAULT_UNIX_FORMATS = {"%Y-%mstrict-%dstrict %Hstrict:%Mstrict:%Sstrict", "%Y-%m-%d %H:%M:%S"}
_DECIMAL_NODES = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.SafeDivide, exp.Sum, exp.Avg)


def _decimal_field_names(column: str, duckdb_type: str) -> set[str]:
    """The column's name, or its nested field names, wherever a DECIMAL is inside its type."""
    try:
        dtype = exp.DataType.build(duckdb_type, dialect="duckdb")
    except SqlglotError:
        return {column.lower()} if "DECIMAL" in duckdb_type.upper() else set()
    names = set()
    for node in dtype.walk():
        if isinstance(node, exp.DataType) and node.this == exp.DType.DECIMAL:
            names.add(column.lower())
            parent = node.parent
            while parent is not None:
                if isinstance(parent, exp.ColumnDef):
                    names.add(parent.name.lower())
                parent = parent.parent
    return names


def _line_pos(sql: str, offset: int) -> tuple[int, int]:
    line_start = sql.rfind("\n", 0, offset) + 1
    return sql.count("\n", 0, offset) + 1, offset - line_start


def _not_found(parts: Iterable[str], position: tuple[int, int] | None, note: str = "") -> SqlError:
    name = ".".join(f"`{p}`" for p in parts)
    where = f"; line {position[0]} pos {position[1]}" if position is not None else ""
    return SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view {name} cannot be found. Verify the spelling and correctness of the schema and "
        f"catalog.{note}{where}.",
        "42P01",
    )


def _outer_aggregate(node: exp.Expression) -> exp.Expression:
    """The node that carries an aggregate's value: the aggregate, or the FILTER / OVER wrapped around it."""
    while isinstance(node.parent, (exp.Filter, exp.Window, exp.IgnoreNulls, exp.RespectNulls)) and (
        node.arg_key == "this"
    ):
        node = node.parent
    return node


def _rewrap(chain_top: exp.Expression, inner: exp.Expression, replacement: exp.Expression) -> exp.Expression:
    """A copy of the FILTER / OVER chain from `chain_top` down to `inner`, with `replacement` in place of `inner`."""
    depth = 0
    node = inner
    while node is not chain_top:
        node = node.parent
        depth += 1
    if depth == 0:
        return replacement
    copy = chain_top.copy()
    holder = copy
    for _ in range(depth - 1):
        holder = holder.this
    holder.set("this", replacement)
    return copy


class Translator:
    """Translates statements for one database; `tables` maps (schema, table) to {column: DuckDB type}."""

    def __init__(self, tables: Mapping[tuple[str, str], Mapping[str, str]], cache_size: int = 512) -> None:
        self._tables = {(s.lower(), t.lower()): dict(cols) for (s, t), cols in tables.items()}
        nested: dict[str, dict[str, dict[str, str]]] = collections.defaultdict(dict)
        for (schema, table), columns in self._tables.items():
            nested[schema][table] = columns
        self._schema = MappingSchema(dict(nested), dialect="duckdb")
        self._decimal_names = {
            name for columns in self._tables.values() for column, dtype in columns.items()
            for name in _decimal_field_names(column, dtype)
        }
        self._cache: collections.OrderedDict = collections.OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @classmethod
    def for_database(cls, con: duckdb.DuckDBPyConnection) -> "Translator":
        """A translator for the system tables that exist in this DuckDB database."""
        cursor = con.cursor()
        try:
            rows = cursor.execute(
                "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_catalog = current_database() AND list_contains($schemas, table_schema) "
                "ORDER BY table_schema, table_name, ordinal_position",
                {"schemas": list(ALLOWED_SCHEMAS)},
            ).fetchall()
        finally:
            cursor.close()
        tables: dict[tuple[str, str], dict[str, str]] = {}
        for schema, table, column, data_type in rows:
            tables.setdefault((schema, table), {})[column] = data_type
        return cls(tables)

    @property
    def tables(self) -> dict[tuple[str, str], dict[str, str]]:
        """The system tables this translator knows: (schema, table) -> {column: DuckDB type}."""
        return self._tables

    def translate(
        self,
        sql: str,
        parameter_types: Mapping[str, str | None] | None = None,
        *,
        catalog: str | None = None,
        schema: str | None = None,
    ) -> Translation:
        """`parameter_types` maps each marker (`name`, or `1`, `2`, ... for `?`) to its Databricks type; None = NULL."""
        types = dict(parameter_types or {})
        key = (sql, tuple(sorted(types.items(), key=lambda kv: kv[0])), catalog, schema)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        result = self._translate(sql, types, (catalog or "").lower(), (schema or "").lower())
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    # The steps, in order. Each raises SqlError for what Databricks (or the stand-in's limits) would refuse.

    def _translate(self, sql: str, types: dict[str, str | None], catalog: str, schema: str) -> Translation:
        tree = self._parse(sql)
        cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        schemas = self._resolve_tables(tree, sql, cte_names, catalog, schema)
        self._refuse_functions(tree)
        self._tag_decimal_candidates(tree)
        parameters = self._bind_parameters(tree, types)
        decimal_functions = self._spark_decimal_arithmetic(tree)
        self._spark_coercions(tree)
        self._rewrite_semantics(tree)
        self._session_time_zone(tree)
        if self._read_workspace_clock(tree):
            parameters = (*parameters, CLOCK_PARAMETER)
        generator = _DUCKDB.generator(unsupported_level=ErrorLevel.IGNORE)
        try:
            out = generator.generate(tree)
        except SqlglotError as exc:
            raise SqlError("UNSUPPORTED_FEATURE", f"The local stand-in cannot translate this statement: {exc}.",
                           "0A000") from exc
        # sqlglot notes what it could not express in DuckDB; running it anyway could give wrong answers silently.
        problems = [m for m in generator.unsupported_messages if not _BENIGN_UNSUPPORTED.search(m)]
        if problems:
            detail = "; ".join(p.rstrip(".") for p in problems)
            raise SqlError("UNSUPPORTED_FEATURE", f"The local stand-in cannot translate this statement: {detail}.",
                           "0A000")
        return Translation(out, schemas, parameters, frozenset(decimal_functions))

    @staticmethod
    def _parse(sql: str) -> exp.Expression:
        try:
            statements = [s for s in sqlglot.parse(sql, read=StandInDatabricks) if s is not None]
        except ParseError as exc:
            if exc.errors:
                first = exc.errors[0]
                detail = (f"Syntax error at or near '{first.get('highlight', '')}': {first['description']}; "
                          f"line {first.get('line')} pos {first.get('col')}")
            else:
                detail = f"Syntax error: {exc}"
            raise SqlError("PARSE_SYNTAX_ERROR", f"{detail}.", "42601") from exc
        if not statements:
            raise SqlError("PARSE_EMPTY_STATEMENT", "Syntax error, unexpected empty statement.", "42617")
        if len(statements) > 1:
            raise SqlError("PARSE_SYNTAX_ERROR", "Syntax error: one statement per execution, found "
                           f"{len(statements)}.", "42601")
        tree = statements[0]
        if not isinstance(tree, exp.Query):
            raise SqlError(
                "NOT_SUPPORTED_COMMAND",
                "The local stand-in warehouse runs queries only (SELECT, WITH, VALUES); the system tables are "
                "read-only.",
                "0A000",
            )
        return tree

    def _resolve_tables(self, tree: exp.Expression, sql: str, cte_names: set[str], catalog: str, schema: str
                        ) -> tuple[str, ...]:
        touched: list[tuple[int, str]] = []
        for table in list(tree.find_all(exp.Table)):
            first_part = next((p for p in table.parts if isinstance(p, exp.Identifier)), None)
            offset = first_part.meta.get("start") if first_part is not None else None
            position = _line_pos(sql, offset) if offset is not None else None
            if isinstance(table.this, exp.Func):
                self._table_function(table)
                continue
            parts = [p.lower() for p in (table.catalog, table.db, table.name) if p]
            if len(parts) == 1 and parts[0] in cte_names:
                continue
            if PRIVATE_SCHEMA in parts[:-1]:
                raise _not_found(
                    [table.catalog or SYSTEM_CATALOG, table.db, table.name], position,
                    " The local stand-in serves only system." + ", system.".join(ALLOWED_SCHEMAS)
                    + f"; {PRIVATE_SCHEMA} is its private record of the workspace, not a system table",
                )
            # Unqualified names resolve against the session's current catalog and schema, as in Databricks.
            if len(parts) == 1:
                parts = [catalog, schema, parts[0]]
            elif len(parts) == 2:
                parts = [catalog, *parts]
            cat, sch, name = parts
            if cat != SYSTEM_CATALOG or sch not in ALLOWED_SCHEMAS or (sch, name) not in self._tables:
                shown = [p for p in (cat, sch, name) if p]
                raise _not_found(shown, position)
            table.set("catalog", None)
            table.set("db", exp.to_identifier(sch))
            touched.append((offset if offset is not None else 1 << 30, sch))
        ordered = [s for _, s in sorted(touched, key=lambda t: t[0])]
        return tuple(dict.fromkeys(ordered))

    @staticmethod
    def _table_function(table: exp.Table) -> None:
        func = table.this
        name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if isinstance(func, exp.Explode) or name in _TABLE_FUNCTIONS:
            if name == "range" and not (table.args.get("alias") and table.args["alias"].columns):
                # Spark's range() yields one column named id; DuckDB's is named range.
                alias = table.alias or "range"
                table.set("alias", exp.TableAlias(this=exp.to_identifier(alias), columns=[exp.to_identifier("id")]))
            return
        raise SqlError(
            "UNRESOLVED_ROUTINE",
            f"Cannot resolve routine `{name}` on the local stand-in: only the system tables can be read.",
            "42883",
        )

    @staticmethod
    def _refuse_functions(tree: exp.Expression) -> None:
        for func in tree.find_all(exp.Func):
            name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
            if isinstance(func, _FILE_READERS) or name.startswith(_DENIED_FUNCTION_PREFIXES):
                raise SqlError(
                    "UNRESOLVED_ROUTINE",
                    f"Cannot resolve routine `{name}`: the local stand-in does not offer it.",
                    "42883",
                )

    @staticmethod
    def _tag_decimal_candidates(tree: exp.Expression) -> None:
        # Ids survive copy() and the typing pass's rewrites, so types found on a copy map back to these nodes.
        for index, node in enumerate(tree.find_all(*_DECIMAL_NODES)):
            node.meta["stand_in_id"] = index

    @staticmethod
    def _bind_parameters(tree: exp.Expression, types: dict[str, str | None]) -> tuple[str, ...]:
        placeholders = sorted(tree.find_all(exp.Placeholder), key=lambda p: p.meta.get("text_position", 0))
        positional = 0
        bound: dict[str, None] = {}
        for node in placeholders:
            if node.args.get("this"):
                marker = node.args["this"]
            else:
                positional += 1
                marker = str(positional)
            if marker not in types:
                shown = marker if not marker.isdigit() else f"?{marker}"
                raise SqlError(
                    "UNBOUND_SQL_PARAMETER",
                    f"Found the unbound parameter: {shown}. Please, fix `args` and provide a mapping of the "
                    "parameter to either a SQL literal or collection constructor functions such as `map()`, "
                    "`array()`, `struct()`.",
                    "42P02",
                )
            name = duckdb_parameter_name(marker)
            dtype = types[marker]
            if dtype is None:
                node.replace(exp.Null())
                continue
            parsed = exp.DataType.build(dtype, dialect="databricks")
            if parsed.this == exp.DType.MAP:
                key_type, value_type = parsed.expressions
                keys, values = f"{name}__keys", f"{name}__values"
                node.replace(exp.Map(
                    keys=exp.Cast(this=exp.Placeholder(this=keys), to=_array_of(key_type)),
                    values=exp.Cast(this=exp.Placeholder(this=values), to=_array_of(value_type)),
                ))
                bound[keys] = None
                bound[values] = None
                continue
            node.replace(exp.Cast(this=exp.Placeholder(this=name), to=parsed))
            bound[name] = None
        return tuple(bound)

    def _spark_decimal_arithmetic(self, tree: exp.Expression) -> set[DecimalFunction]:
        """Give decimal arithmetic Spark's result types; exact products and quotients go through DuckDB UDFs."""
        tagged = {node.meta["stand_in_id"]: node for node in tree.find_all(*_DECIMAL_NODES)
                  if "stand_in_id" in node.meta}
        # Typing a statement costs more than translating it; most statements never touch a decimal.
        if not tagged or not self._may_involve_decimals(tree):
            return set()
        typed = self._typed_copy(tree)
        if typed is None:
            # Without types the statement still runs, with DuckDB's decimal rules.
            return set()
        functions: set[DecimalFunction] = set()
        seen: set[int] = set()
        # Children first (reversed breadth-first order), so a rewritten child is in place before its parent is.
        for node in reversed(list(typed.find_all(*_DECIMAL_NODES))):
            node_id = node.meta.get("stand_in_id")
            if node_id is None or node_id in seen or node_id not in tagged or not node.meta.get(_SPARK_TYPED):
                continue
            seen.add(node_id)
            result = _decimal_of(node)
            original = tagged[node_id]
            if isinstance(node, (exp.Mul, exp.Div, exp.SafeDivide)):
                op = "mul" if isinstance(node, exp.Mul) else "div"
                function = DecimalFunction(op, _decimal_of(node.this), _decimal_of(node.expression), result,
                                           result[1])
                functions.add(function)
                divisor = original.expression
                if isinstance(node, exp.SafeDivide):
                    divisor = exp.Nullif(this=divisor, expression=exp.Literal.number(0))
                original.replace(exp.Anonymous(this=function.name, expressions=[original.this, divisor]))
            elif isinstance(node, exp.Avg):
                # Spark divides the decimal sum by the count, rounds to the quotient's scale, then widens.
                operand = _aggregated_decimal(node)
                total = _bounded(operand[0] + 10, operand[1])
                count = (_INTEGRAL_PRECISION[exp.DType.BIGINT], 0)
                quotient = spark_decimal_result("div", total, count)
                function = DecimalFunction("div", total, count, result, quotient[1])
                functions.add(function)
                arg = original.this
                top = _outer_aggregate(original)
                numerator = _rewrap(top, original, exp.Sum(this=arg.copy()))
                denominator = _rewrap(top, original, exp.Count(this=arg.copy()))
                top.replace(exp.Anonymous(this=function.name, expressions=[numerator, denominator]))
            else:
                top = _outer_aggregate(original) if isinstance(original, exp.Sum) else original
                top.replace(exp.Cast(this=top.copy(), to=_decimal_type(*result)))
        return functions

    def _typed_copy(self, tree: exp.Expression) -> exp.Expression | None:
        """A copy of the tree with Spark's types on every node (nodes keep their meta, so tags map back); None if
        the statement cannot be typed."""
        typed = tree.copy()
        try:
            typed = qualify(typed, dialect=StandInDatabricks, schema=self._schema, validate_qualify_columns=False,
                            quote_identifiers=False, identify=False, expand_stars=True)
            annotate_types(typed, schema=self._schema, expression_metadata=_SparkTyping.EXPRESSION_METADATA,
                           coerces_to=_SparkTyping.COERCES_TO)
        except Exception:  # noqa: BLE001 - typing is best effort
            log.warning("no typing for statement: %s", statement_preview(tree.sql()), exc_info=True)
            return None
        return typed

    def _spark_coercions(self, tree: exp.Expression) -> None:
        """Interval aggregates and string parameters compared with other types, which need the operands' types."""
        candidates: dict[int, exp.Expression] = {}
        for node in tree.find_all(exp.Sum, exp.Avg, *_COMPARISONS):
            if isinstance(node, (exp.Sum, exp.Avg)):
                wanted = node.this is not None and node.this.find(exp.Sub) is not None
            else:
                wanted = any(_is_string_parameter(side) for side in _compared(node))
            if wanted:
                node.meta[_COERCION_ID] = len(candidates)
                candidates[len(candidates)] = node
        # Typing costs more than translating; most statements have neither.
        if not candidates:
            return
        typed = self._typed_copy(tree)
        if typed is None:
            return
        found = {n.meta[_COERCION_ID]: n for n in typed.find_all(exp.Sum, exp.Avg, *_COMPARISONS)
                 if _COERCION_ID in n.meta}
        # Innermost first, so an aggregate inside another's argument is rewritten before the outer one is copied.
        for node_id in sorted(candidates, reverse=True):
            original, typed_node = candidates[node_id], found.get(node_id)
            if typed_node is None:
                continue
            if isinstance(original, (exp.Sum, exp.Avg)):
                if _is_interval(typed_node.this):
                    _aggregate_interval(original)
                continue
            for side, typed_side in zip(_compared(original), _compared(typed_node), strict=True):
                if not _is_string_parameter(side):
                    continue
                others = [t for t in _compared(typed_node) if t is not typed_side and not _is_string_parameter(t)]
                target = next((t.type for t in others if _coercible(t.type)), None)
                if target is not None:
                    side.replace(exp.Cast(this=side.copy(), to=target.copy()))

    def _may_involve_decimals(self, tree: exp.Expression) -> bool:
        for node in tree.walk():
            if isinstance(node, exp.DataType) and node.this == exp.DType.DECIMAL:
                return True
            if isinstance(node, exp.Identifier) and node.name.lower() in self._decimal_names:
                return True
            if isinstance(node, exp.Literal) and not node.is_string and _numeric_kind(node)[0] == "decimal":
                return True
        return False

    @staticmethod
    def _read_workspace_clock(tree: exp.Expression) -> bool:
        """Point the clock functions at CLOCK_PARAMETER; True if the statement reads the clock."""
        clock_nodes = list(tree.find_all(exp.CurrentTimestamp, exp.CurrentDate, exp.Localtimestamp))
        for node in clock_nodes:
            instant = exp.Cast(this=exp.Placeholder(this=CLOCK_PARAMETER), to=exp.DataType.build("TIMESTAMPTZ"))
            # The date and the local timestamp are the session time zone's, as on Databricks (the warehouse sets the
            # DuckDB session's TimeZone to it), so these are casts, not truncations of the UTC instant.
            if isinstance(node, exp.CurrentDate):
                instant = exp.Cast(this=instant, to=exp.DataType.build("DATE"))
            elif isinstance(node, exp.Localtimestamp):
                instant = exp.Cast(this=instant, to=exp.DataType.build("TIMESTAMP"))
            node.replace(instant)
        return bool(clock_nodes)

    @staticmethod
    def _session_time_zone(tree: exp.Expression) -> None:
        for node in list(tree.find_all(exp.CurrentTimezone)):
            # The session's zone, which the warehouse set as DuckDB's TimeZone.
            node.replace(exp.Anonymous(this="current_setting", expressions=[exp.Literal.string("TimeZone")]))

    def _rewrite_semantics(self, tree: exp.Expression) -> None:
        for select in list(tree.find_all(exp.Select)):
            group = select.args.get("group")
            if group is not None and group.args.get("all") and select.args.get("qualify") is not None:
                # DuckDB cannot combine QUALIFY with GROUP BY ALL; spell out the keys GROUP BY ALL implies.
                keys = [p.unalias().copy() for p in select.expressions
                        if not p.find(exp.AggFunc, exp.Window) and not isinstance(p.unalias(), exp.Star)]
                select.set("group", exp.Group(expressions=keys) if keys else None)
        for node in list(tree.find_all(exp.Quantile)):
            if isinstance(node, exp.ApproxQuantile):
                node.replace(exp.Anonymous(this="QUANTILE_DISC", expressions=[node.this, node.args["quantile"]]))
                continue
            quantile = node.args["quantile"]
            many = isinstance(quantile, exp.Array) or (
                isinstance(quantile, exp.Cast) and quantile.to.this == exp.DType.ARRAY
            )
            result = exp.DataType.build("ARRAY<DOUBLE>" if many else "DOUBLE", dialect="databricks")
            top = _outer_aggregate(node)
            top.replace(exp.Cast(
                this=_rewrap(top, node, exp.Anonymous(this="QUANTILE_CONT", expressions=[node.this, quantile])),
                to=result,
            ))
        for node in list(tree.find_all(exp.TimestampDiff)):
            unit = node.unit.name if node.unit is not None else "DAY"
            node.replace(exp.Anonymous(
                this="DATE_SUB", expressions=[exp.Literal.string(unit.lower()), node.expression, node.this]
            ))
        for node in list(tree.find_all(exp.StrToUnix)):
            value = node.this if node.this is not None else exp.CurrentTimestamp()
            fmt = node.args.get("format")
            if fmt is None or fmt.name in _DEFAULT_UNIX_FORMATS:
                instant = exp.Cast(this=value, to=exp.DataType.build("TIMESTAMPTZ"))
            else:
                instant = exp.StrToTime(this=value, format=fmt)
            node.replace(exp.Cast(
                this=exp.Floor(this=exp.Anonymous(this="EPOCH", expressions=[instant])),
                to=exp.DataType.build("BIGINT"),
            ))
        for node in list(tree.find_all(exp.TsOrDsAdd)):
            unit = node.unit.name.upper() if node.unit is not None else "DAY"
            if unit == "DAY":
                node.replace(exp.Add(
                    this=exp.TsOrDsToDate(this=node.this),
                    expression=exp.Cast(this=node.expression, to=exp.DataType.build("INT")),
                ))
        for node in list(tree.find_all(exp.ArrayAgg, exp.ArrayUniqueAgg)):
            top = _outer_aggregate(node)
            top.replace(exp.Coalesce(this=top.copy(), expressions=[exp.Array(expressions=[])]))
        for node in list(tree.find_all(exp.Explode)):
            outer_view = isinstance(node.parent, exp.Lateral) and node.parent.args.get("outer")
            if isinstance(node, exp.ExplodeOuter) or (outer_view and type(node) is exp.Explode):
                # explode_outer keeps a row (with NULL) for a NULL or empty array; DuckDB's UNNEST would drop it.
                node.replace(exp.Explode(this=_null_if_empty(node.this)))
        for node in list(tree.find_all(exp.DayOfWeek)):
            # Spark counts 1 = Sunday .. 7 = Saturday; DuckDB's dayofweek is 0 = Sunday .. 6 = Saturday.
            node.replace(exp.paren(exp.Add(this=node.copy(), expression=exp.Literal.number(1)), copy=False))
        for node in list(tree.find_all(exp.Exists)):
            if isinstance(node.expression, exp.Lambda):
                node.replace(_list_predicate("LIST_BOOL_OR", node.this, node.expression, False))
        for node in list(tree.find_all(exp.Anonymous)):
            if node.name.lower() == "forall" and len(node.expressions) == 2:
                node.replace(_list_predicate("LIST_BOOL_AND", *node.expressions, True))
        for node in list(tree.find_all(exp.Like, exp.ILike)):
            if not isinstance(node.parent, exp.Escape):
                node.replace(exp.Escape(this=node.copy(), expression=exp.Literal.string("\\")))


_COERCION_ID = "stand_in_coercion_id"
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ, exp.Between,
                exp.In)
_STRING_TYPES = {exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR}
_TIMESTAMP_TYPES = {exp.DType.TIMESTAMP, exp.DType.TIMESTAMPTZ, exp.DType.TIMESTAMPLTZ, exp.DType.TIMESTAMPNTZ,
                    exp.DType.DATETIME}
# What a string compared with it is cast to, as Spark coerces: temporal, numeric and boolean types.
_COERCIBLE_TYPES = _TIMESTAMP_TYPES | {exp.DType.DATE, exp.DType.BOOLEAN, exp.DType.DOUBLE, exp.DType.FLOAT,
                                       exp.DType.DECIMAL, *_INTEGRAL_PRECISION}


def _compared(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Between):
        return [node.this, node.args["low"], node.args["high"]]
    if isinstance(node, exp.In):
        return [node.this, *node.expressions]
    return [node.this, node.expression]


def _is_string_parameter(node: exp.Expression | None) -> bool:
    # _bind_parameters wrote every STRING marker as CAST(<parameter> AS STRING).
    return (isinstance(node, exp.Cast) and isinstance(node.this, exp.Placeholder)
            and node.to.this in _STRING_TYPES)


def _coercible(dtype: exp.DataType | None) -> bool:
    return dtype is not None and dtype.this in _COERCIBLE_TYPES


def _is_interval(node: exp.Expression | None) -> bool:
    """Whether a typed expression is a Spark day-time interval: a difference of timestamps, an interval literal, or
    arithmetic and conditionals over those."""
    if node is None:
        return False
    node = node.unnest()
    if isinstance(node, exp.Interval):
        return True
    if isinstance(node, exp.Sub):
        timestamps = all(n.type is not None and n.type.this in _TIMESTAMP_TYPES
                         and not isinstance(n.unnest(), exp.Sub) for n in (node.this, node.expression))
        return timestamps or (_is_interval(node.this) and _is_interval(node.expression))
    if isinstance(node, exp.Add):
        return _is_interval(node.this) and _is_interval(node.expression)
    if isinstance(node, exp.Neg):
        return _is_interval(node.this)
    if isinstance(node, exp.Coalesce):
        return any(_is_interval(n) for n in (node.this, *node.expressions))
    if isinstance(node, exp.Case):
        return any(_is_interval(i.args.get("true")) for i in node.args.get("ifs") or []) or _is_interval(
            node.args.get("default"))
    if isinstance(node, exp.If):
        return _is_interval(node.args.get("true")) or _is_interval(node.args.get("false"))
    return False


def _aggregate_interval(node: exp.Sum | exp.Avg) -> None:
    """sum / avg of an interval as DuckDB can: over its microseconds, then back to an interval (Spark rounds an
    average half-up to the microsecond)."""
    micros = exp.Anonymous(this="EPOCH_US", expressions=[node.this.copy()])
    top = _outer_aggregate(node)
    if isinstance(node, exp.Sum):
        total: exp.Expression = _rewrap(top, node, exp.Sum(this=micros))
    else:
        total = exp.Round(this=_rewrap(top, node, exp.Avg(this=micros)))
    top.replace(exp.Anonymous(this="TO_MICROSECONDS",
                              expressions=[exp.Cast(this=total, to=exp.DataType.build("BIGINT"))]))


def _array_of(element: exp.DataType) -> exp.DataType:
    return exp.DataType.build(exp.DType.ARRAY, expressions=[element], nested=True)


def _null_if_empty(array: exp.Expression) -> exp.Expression:
    empty = exp.or_(
        exp.Is(this=array.copy(), expression=exp.Null()),
        exp.EQ(this=exp.ArraySize(this=array.copy()), expression=exp.Literal.number(0)),
    )
    return exp.Case(ifs=[exp.If(this=empty, true=exp.Array(expressions=[exp.Null()]))], default=array.copy())


def _list_predicate(reducer: str, array: exp.Expression, function: exp.Expression, empty: bool) -> exp.Expression:
    return exp.Coalesce(
        this=exp.Anonymous(this=reducer, expressions=[exp.Transform(this=array, expression=function)]),
        expressions=[exp.Boolean(this=empty)],
    )
