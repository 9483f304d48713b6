"""Benchmark: what job visibility by permissions costs, on a synthetic workspace of a given scale.

    python bench/visibility.py [--scale small|medium] [--db PATH] [--repeat 3] [--concurrency 8]

The operation is the Jobs page's (`jobs(first: 25)` with run stats, cost and last run). Measured on fresh monitors:
- `all`: the default policy, as an admin;
- `permissions` as an admin (full view: no permission read, the same statements);
- `permissions` as a team member, cold: sent while the start-up read of every home job's permission list (one
  `jobs/list` pass, one read per job, `--concurrency` at once) runs, it waits for it; sent after it, it does not;
- the same request warm (response cache), and a second restricted caller after it (lists reused, own statements).
Prints the permission reads, the jobs each caller sees and the statements sent. `--db` reuses a workspace file, which
must have been generated since the stand-in learned job grants (it has workspace_state.job_grants).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from attention import timed  # noqa: E402  (this directory is on the path when a script here runs)
from conftest import NOW, RunningMonitor, monitor_settings  # noqa: E402

from gql_monitor.local_workspace.server import LocalWorkspace  # noqa: E402

PAGE = """{ viewer { jobVisibility { visibleJobCount } }
  jobs(first: 25) { totalCount nodes { id name runStats { totalRuns successRate } cost { listCost { amount } }
  lastRun { id resultState } } } }"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small")
    parser.add_argument("--db", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    where = {"db_path": args.db} if args.db else {"scale": args.scale, "seed": 7, "now": NOW}
    with LocalWorkspace(port=0, **where) as ws:
        home_jobs = ws.state.cursor().execute("SELECT count(*) FROM workspace_state.jobs").fetchone()[0]
        rows: dict[str, list[float]] = {}
        facts: dict[str, str] = {}

        def note(name: str, elapsed: float, body: dict) -> None:
            rows.setdefault(name, []).append(elapsed)
            cost = body["extensions"]["cost"]
            count = body["data"]["viewer"]["jobVisibility"]["visibleJobCount"]
            facts[name] = (f"statements={cost['warehouseStatements']} jobs={body['data']['jobs']['totalCount']} "
                           f"visible={'all' if count is None else count}")

        for _ in range(args.repeat):
            with RunningMonitor(monitor_settings(ws)) as mon, mon.client("local-admin") as client:
                note("all, admin, cold", *timed(client, PAGE, {}))
            permissions = monitor_settings(ws, job_visibility="permissions", data_access="service-principal",
                                           permissions_concurrency=args.concurrency)
            with RunningMonitor(permissions) as mon, mon.client("local-admin") as client:
                note("permissions, admin, cold (start-up read running)", *timed(client, PAGE, {}))
            with RunningMonitor(permissions) as mon, mon.client("local-team") as client:
                note("permissions, team member, cold, during the start-up read", *timed(client, PAGE, {}))
            with RunningMonitor(permissions) as mon:
                lists = mon.services.visibility.permissions
                started = time.perf_counter()
                while lists.current is None:
                    time.sleep(0.01)
                rows.setdefault("start-up read of every permission list", []).append(
                    (time.perf_counter() - started) * 1000)
                facts["start-up read of every permission list"] = "(measured from the monitor's first health answer)"
                with mon.client("local-team") as client:
                    note("permissions, team member, cold, after the start-up read", *timed(client, PAGE, {}))
                    note("permissions, team member, warm", *timed(client, PAGE, {}))
                reads = lists.counts.permission_reads
                with mon.client("local-owner") as client:
                    note("permissions, second caller, lists reused", *timed(client, PAGE, {}))
                facts["permission reads per refresh"] = f"{reads} for {home_jobs} jobs in the home workspace"
        print(f"scale={args.db or args.scale} home jobs={home_jobs} concurrency={args.concurrency}")
        for name, times in rows.items():
            print(f"  {name}: median {statistics.median(times):.0f} ms (max {max(times):.0f}); {facts[name]}")
        print(f"  {facts['permission reads per refresh']}")


if __name__ == "__main__":
    main()
