"""How the generator's rows reach DuckDB: in batches of bounded size, inside a bounded DuckDB.

The generator keeps its truth (runs, segments, task runs) as compact numpy columns; every table derived from it is
built and inserted one batch at a time, so the rows a writer holds never grow with the scale. DuckDB's own share is
bounded by a memory limit while it generates.
"""

from __future__ import annotations

import contextlib

import duckdb
import numpy as np
import pyarrow as pa

# No INSERT carries more rows than this, and no writer builds more than one batch of rows before inserting it.
# A batch of the widest table (billing.usage) is some tens of MB in Arrow; smaller batches only add statements.
BATCH_ROWS = 200_000

# DuckDB keeps the rows of an open transaction in memory unless a memory limit makes it evict them to the database's
# temporary directory; under its default limit (80% of RAM) a large workspace held gigabytes of run JSON until COMMIT.
GENERATION_MEMORY_LIMIT = "512MB"


def batches(weights: np.ndarray, limit: int | None = None):
    """Ranges [lo, hi) of source rows whose output rows (`weights[i]` per source row) add up to at most `limit`.

    A source row that alone makes more than `limit` rows forms a batch of its own. The ranges cover every source row
    in order, so writing the batches one after another writes the same rows in the same order as one batch would.
    """
    limit = BATCH_ROWS if limit is None else limit
    ends = np.cumsum(np.asarray(weights, dtype=np.int64))
    lo, n = 0, len(ends)
    while lo < n:
        done = ends[lo - 1] if lo else 0
        hi = max(int(np.searchsorted(ends, done + limit, side="right")), lo + 1)
        yield lo, hi
        lo = hi


def row_batches(n: int, limit: int | None = None):
    """Ranges [lo, hi) of `n` rows, each at most `limit` (default BATCH_ROWS) long."""
    limit = BATCH_ROWS if limit is None else limit
    for lo in range(0, n, limit):
        yield lo, min(n, lo + limit)


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, select_sql: str = "*",
                 source: str = "{table}") -> None:
    """Bulk-insert an arrow table, shaping its columns with `select_sql` (nested types are built in SQL).

    `source` may wrap the arrow table (written `{table}`) in a subquery, e.g. to compute a value once per row.
    A plain projection of one arrow scan keeps the arrow row order, so the written tables are deterministic.
    """
    name = "_gen_" + table.replace(".", "_")
    # A relation's query rather than register()/unregister(): a view dropped inside the generation's transaction
    # keeps its Arrow table alive until COMMIT, which kept every batch of a large workspace in memory to the end.
    con.from_arrow(data).query(name, f"INSERT INTO {table} SELECT {select_sql} FROM {source.format(table=name)}")


@contextlib.contextmanager
def tag_lookup(con: duckdb.DuckDBPyConnection, tag_sets: list[list[tuple[str, str]]]):
    """An SQL expression giving tag map number `tagset` (a column of the inserted rows).

    DuckDB checks every map it converts from Arrow, which is slow for millions of rows; indexing one list of the
    distinct maps is cheap and, unlike a join, keeps the rows in order.
    """
    arrow = pa.table({"tagset": np.arange(len(tag_sets), dtype=np.int32),
                      "tags": pa.array(tag_sets, type=pa.map_(pa.string(), pa.string()))})
    con.from_arrow(arrow).query("_gen_tag_arrow",
                                "CREATE OR REPLACE TEMP TABLE _gen_tagsets AS SELECT * FROM _gen_tag_arrow")
    try:
        yield "(SELECT list(tags ORDER BY tagset) FROM _gen_tagsets)[tagset + 1]"
    finally:
        con.execute("DROP TABLE IF EXISTS _gen_tagsets")


def database_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file behind the connection's database, None in memory."""
    return con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]


@contextlib.contextmanager
def bounded_duckdb(con: duckdb.DuckDBPyConnection, limit: str = GENERATION_MEMORY_LIMIT):
    """DuckDB under `limit` while generating into a file; its default limit again afterwards.

    An in-memory database is left alone: what it holds cannot leave memory, and under a limit DuckDB would spill it
    to a `.tmp` directory in the working directory.
    """
    if database_path(con) is None:
        yield
        return
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute("RESET memory_limit")
