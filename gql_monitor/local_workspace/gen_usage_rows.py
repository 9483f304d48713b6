"""billing.usage's rows by position, in the flat columns the generator shapes them in, without holding them all.

A large workspace bills millions of job-compute hours: those rows are derived a batch at a time from compact
columns (see gen_usage.JobUsage), while the few hundred thousand rows of shared compute, DLT, SQL warehouses and
corrections are held as tables. UsageRows reads a range or any positions across both, in table order.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyarrow as pa

COLUMNS = {  # flat usage columns and their Arrow types; nested columns are assembled in SQL
    "ws": pa.int32(), "sku": pa.int32(), "hour": pa.int64(), "nanos": pa.int64(), "product": pa.int32(),
    "cluster_id": pa.string(), "job": pa.int32(), "run_id": pa.int64(), "version": pa.int32(),
    "tagset": pa.int32(), "warehouse_id": pa.string(), "pipeline_id": pa.string(), "update_id": pa.string(),
    "node_type": pa.string(), "run_as": pa.string(), "owned_by": pa.string(), "serverless": pa.bool_(),
    "photon": pa.bool_(), "jobs_tier": pa.int32(), "sql_tier": pa.int32(), "dlt_tier": pa.int32(),
    "perf": pa.int32(), "record_type": pa.int32(), "ingest_delay": pa.int32(), "name_visible": pa.bool_(),
}


def part(n: int, **cols) -> pa.Table:
    """One source's rows with every flat column present (missing ones NULL, or -1 for index columns)."""
    arrays = {}
    for name, typ in COLUMNS.items():
        value = cols.get(name)
        if value is None:
            if name in ("job", "version", "tagset", "jobs_tier", "sql_tier", "dlt_tier", "perf", "run_id"):
                value = np.full(n, -1)
            elif name in ("record_type", "ingest_delay", "name_visible"):
                value = np.zeros(n)
            else:
                arrays[name] = pa.nulls(n, typ)
                continue
        if isinstance(value, pa.Array):
            arrays[name] = value
        elif pa.types.is_string(typ):
            arrays[name] = pa.array(value, type=typ)
        else:
            arrays[name] = pa.array(np.asarray(value).astype(typ.to_pandas_dtype()), type=typ)
    return pa.table(arrays)


def with_columns(table: pa.Table, **cols) -> pa.Table:
    for name, values in cols.items():
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pa.array(np.asarray(values).astype(COLUMNS[name].to_pandas_dtype()),
                                                   type=COLUMNS[name]))
    return table


class UsageRows:
    """`derived_count` rows made on demand by `derive(positions)`, followed by the rows of `held` tables."""

    def __init__(self, derived_count: int, derive: Callable[[np.ndarray], pa.Table], held: list[pa.Table]):
        self.derived_count, self.derive = derived_count, derive
        self.held = pa.concat_tables(held) if held else part(0)

    def __len__(self) -> int:
        return self.derived_count + self.held.num_rows

    def extended(self, table: pa.Table) -> "UsageRows":
        return UsageRows(self.derived_count, self.derive, [self.held, table])

    def range(self, lo: int, hi: int) -> pa.Table:
        n = self.derived_count
        pieces = []
        if lo < n:
            pieces.append(self.derive(np.arange(lo, min(hi, n), dtype=np.int64)))
        if hi > n:
            start = max(lo, n) - n
            pieces.append(self.held.slice(start, hi - n - start))
        return pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]

    def take(self, positions: np.ndarray) -> pa.Table:
        positions = np.asarray(positions, dtype=np.int64)
        derived = positions < self.derived_count
        table = pa.concat_tables([self.derive(positions[derived]),
                                  self.held.take(pa.array(positions[~derived] - self.derived_count))])
        # Rows came derived first, then held: put them back in the order asked for.
        came_from = np.concatenate([np.flatnonzero(derived), np.flatnonzero(~derived)])
        return table.take(pa.array(np.argsort(came_from, kind="stable")))
