"""The generator writes in bounded batches, and the batch size never changes what it writes.

The large workspace fits in memory only because every derived table is built and inserted a batch at a time
(gen_write.BATCH_ROWS) and DuckDB lets go of each batch. These tests pin that deterministically, on the small
scale; `-m slow` generates the large workspace under the 4 GB budget.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from datetime import datetime, timezone

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from gql_monitor.local_workspace import gen_write, generator  # noqa: F401 (loads every module that writes)
from gql_monitor.local_workspace.checksums import checksums
from gql_monitor.local_workspace.state import open_database

NOW = datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)
SEED = 7
# Prime and far below the small workspace's table sizes: batches end inside runs' hour slices and straddle the
# boundary between derived and held usage rows.
SMALL_BATCH = 997


def test_batches_cover_every_source_row_in_order_within_the_limit():
    weights = np.random.default_rng(1).integers(1, 30, size=2_000)
    weights[[10, 500]] = 120  # rows that alone make more than a batch
    ranges = list(gen_write.batches(weights, limit=100))
    assert ranges[0][0] == 0 and ranges[-1][1] == len(weights)
    assert all(hi == lo for (_, hi), (lo, _) in zip(ranges, ranges[1:]))
    for lo, hi in ranges:
        assert weights[lo:hi].sum() <= 100 or hi - lo == 1
        # Greedy: the next row would not have fitted.
        assert hi == len(weights) or weights[lo:hi + 1].sum() > 100
    assert (10, 11) in ranges and (500, 501) in ranges
    assert list(gen_write.row_batches(7, 3)) == [(0, 3), (3, 6), (6, 7)]
    assert list(gen_write.batches(np.zeros(0, dtype=np.int64), 5)) == []


def test_an_inserted_batch_is_released_inside_the_open_transaction():
    """The whole generation is one transaction: a batch DuckDB kept until COMMIT would keep them all."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a BIGINT)")
    con.execute("BEGIN TRANSACTION")
    batch = pa.table({"a": np.arange(1_000)})
    alive = weakref.ref(batch)
    gen_write.insert_arrow(con, "t", batch)
    del batch
    gc.collect()
    assert alive() is None
    assert con.execute("SELECT count(*), sum(a) FROM t").fetchone() == (1_000, 499_500)
    con.execute("COMMIT")


def _generate(path, monkeypatch, batch_rows: int) -> tuple[dict, list[tuple[str, int]]]:
    """Checksums of every table of a small workspace generated in batches of `batch_rows`, and every insert's
    (table, rows)."""
    inserts: list[tuple[str, int]] = []
    real = gen_write.insert_arrow

    def counted(con, table, data, *args, **kwargs):
        inserts.append((table, data.num_rows))
        return real(con, table, data, *args, **kwargs)

    monkeypatch.setattr(gen_write, "BATCH_ROWS", batch_rows)
    # Every generator module that writes holds its own reference to insert_arrow.
    for module in [m for name, m in list(sys.modules.items()) if name.startswith("gql_monitor.local_workspace.")]:
        if getattr(module, "insert_arrow", None) is real:
            monkeypatch.setattr(module, "insert_arrow", counted)
    con = open_database(str(path), scale="small", seed=SEED, now=NOW)
    try:
        return checksums(con), inserts
    finally:
        con.close()
        monkeypatch.undo()


def test_small_batches_write_the_same_tables_as_one_batch(tmp_path, monkeypatch):
    whole, whole_inserts = _generate(tmp_path / "whole.duckdb", monkeypatch, 10**9)
    batched, batched_inserts = _generate(tmp_path / "batched.duckdb", monkeypatch, SMALL_BATCH)

    assert batched == whole  # every table, its rows and their order
    assert max(rows for _, rows in batched_inserts) <= SMALL_BATCH
    # The comparison means something: in one batch, each large table went in with a single bigger INSERT.
    for table in ["lakeflow.job_run_timeline", "lakeflow.job_task_run_timeline", "billing.usage",
                  "compute.clusters", "workspace_state.runs"]:
        assert [rows for t, rows in whole_inserts if t == table and rows > SMALL_BATCH], table
        assert len([t for t, _ in batched_inserts if t == table]) > 1, table


_GENERATE_LARGE = """
import json, resource, sys
from datetime import datetime, timezone
from gql_monitor.local_workspace.state import open_database
con = open_database(sys.argv[1], scale="large", seed=7, now=datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc))
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
usage = con.execute("SELECT count(*) FROM billing.usage").fetchone()[0]
print(json.dumps({"peak_mb": peak_mb, "usage_rows": usage}))
"""


@pytest.mark.slow
def test_large_workspace_generates_within_4_gb(tmp_path):
    """A few minutes: the large workspace, generated into a file in a process of its own, peaks under 4 GB."""
    done = subprocess.run([sys.executable, "-c", _GENERATE_LARGE, str(tmp_path / "large.duckdb")],
                          capture_output=True, text=True, timeout=1800, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["usage_rows"] > 7_000_000
    assert figures["peak_mb"] < 4 * 1024, figures
