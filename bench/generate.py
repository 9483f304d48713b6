"""Benchmark: generating the synthetic workspace into a DuckDB file.

    python bench/generate.py [--scale small|medium|large] [--seed 7] [--checksums FILE.json]

Prints each stage's time and the peak memory after it, then the total time, the file's size, the process's peak
resident memory (`ru_maxrss`, read as soon as the generation returns, so nothing done afterwards counts) and the row
counts. `--checksums` also writes every table's checksum
(`local_workspace/checksums.py`) to a JSON file, to compare the output of two versions of the generator.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from gql_monitor.local_workspace.checksums import checksums
from gql_monitor.local_workspace.state import open_database

# The anchor the tests use (tests/conftest.py), so figures and checksums are comparable across runs.
NOW = datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)
TABLES = ["lakeflow.jobs", "lakeflow.job_run_timeline", "lakeflow.job_task_run_timeline", "billing.usage",
          "workspace_state.runs"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--checksums", metavar="FILE", help="write every table's checksum to this JSON file")
    args = parser.parse_args()
    # The generator logs each stage's time and the peak memory so far: where the totals come from.
    logging.basicConfig(format="  %(message)s")
    logging.getLogger("gql_monitor.local_workspace.generator").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ws.duckdb"
        started = time.perf_counter()
        con = open_database(str(path), scale=args.scale, seed=args.seed, now=NOW)
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        sums = checksums(con) if args.checksums else None
        con.close()
        size = path.stat().st_size
    print(f"scale={args.scale} seed={args.seed}: {elapsed:.1f} s, {size / 1e6:.0f} MB file, "
          f"peak resident memory {peak_mb:,.0f} MB")
    for table, n in counts.items():
        print(f"  {table}: {n:,}")
    if sums is not None:
        Path(args.checksums).write_text(json.dumps({t: asdict(c) for t, c in sums.items()}, indent=1) + "\n")
        print(f"checksums of {len(sums)} tables written to {args.checksums}")


if __name__ == "__main__":
    main()
