"""Benchmark: generating the synthetic workspace into a DuckDB file.

    python bench/generate.py [--scale small|medium|large] [--seed 7]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from gql_monitor.local_workspace.state import open_database

TABLES = ["lakeflow.jobs", "lakeflow.job_run_timeline", "lakeflow.job_task_run_timeline", "billing.usage",
          "workspace_state.runs"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ws.duckdb"
        started = time.perf_counter()
        con = open_database(str(path), scale=args.scale, seed=args.seed,
                            now=datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc))
        elapsed = time.perf_counter() - started
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        con.close()
        size = path.stat().st_size
    print(f"scale={args.scale} seed={args.seed}: {elapsed:.1f} s, {size / 1e6:.0f} MB")
    for table, n in counts.items():
        print(f"  {table}: {n:,}")


if __name__ == "__main__":
    main()
