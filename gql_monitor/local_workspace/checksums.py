"""Checksums of every table of a generated workspace, to show that a change to the generator kept its output.

A table's digest is order-independent over its rows (count, and sums of two per-row hashes: DuckDB's type-aware
`hash` and the md5 of the row's text), so it is computed in one streaming pass over tables of millions of rows,
where an ordered `string_agg` would build gigabytes of text. A second digest includes each row's position
(`rowid`), so a change that only reorders the rows is reported too. `hash` is DuckDB's own: compare digests made by
the same DuckDB version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb

SCHEMAS = ("billing", "lakeflow", "compute", "access", "workspace_state")


@dataclass(frozen=True)
class TableChecksum:
    rows: int
    content: str   # the multiset of rows
    placement: str  # the rows with their positions


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    marks = ", ".join(f"'{s}'" for s in SCHEMAS)
    return [f"{s}.{t}" for s, t in con.execute(
        f"""SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = current_database() AND table_type = 'BASE TABLE' AND table_schema IN ({marks})
            ORDER BY 1, 2""").fetchall()]


def table_checksum(con: duckdb.DuckDBPyConnection, table: str) -> TableChecksum:
    # Row text depends on the session time zone for TIMESTAMPTZ: pin it so the digest does not.
    con.execute("SET TimeZone = 'UTC'")
    rows, by_hash, by_md5, placed = con.execute(f"""
        SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0), coalesce(sum(md5_number_lower(t::VARCHAR)::HUGEINT), 0),
               coalesce(bit_xor(hash(t.rowid, t)), 0)
        FROM {table} t""").fetchone()
    return TableChecksum(rows, _digest(rows, by_hash, by_md5), _digest(rows, by_hash, by_md5, placed))


def checksums(con: duckdb.DuckDBPyConnection) -> dict[str, TableChecksum]:
    return {table: table_checksum(con, table) for table in table_names(con)}


def _digest(*parts: int) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:16]
