"""Benchmark: the dashboard-shaped operation against the stand-in with simulated warehouse latency.

    python bench/dashboard.py [--latency-ms 250] [--repeat 5] [--scale small]

Cold = first execution after the monitor starts (empty caches; warehouse sessions, the token check and the app's
OAuth token are set up by this request); warm = the same operation again (answered from the response cache);
"uncached answers, open sessions" = the same shape with another window, so every statement runs again but no
session is opened. Reports statements per operation and latencies (median, max), each from a fresh monitor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import NOW, RunningMonitor, monitor_settings  # noqa: E402

from gql_monitor.local_workspace.server import LocalWorkspace  # noqa: E402

DASHBOARD = """
query Dashboard($w: TimeWindowInput) {
  jobs(first: 50) {
    nodes {
      id name
      runStats(window: $w) { successRate duration { p50 p95 } }
      cost(window: $w) { listCost { amount currency } }
      lastRun { resultState startTime }
      runs(first: 10, window: $w) { nodes { id resultState cost { listCost { amount } } tasks { taskKey resultState } } }
    }
  }
}
"""


def run_once(client, days: int = 60) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.post("/api/graphql", json={"query": DASHBOARD, "variables": {"w": {"lastDays": days}}})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return elapsed, body["extensions"]["cost"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", default="small")
    args = parser.parse_args()
    with LocalWorkspace(scale=args.scale, seed=7, now=NOW, port=0) as ws:
        ws.faults.update({"statement_latency_ms": args.latency_ms})
        cold, warm, fresh, costs = [], [], [], None
        for _ in range(args.repeat):
            with RunningMonitor(monitor_settings(ws)) as mon, mon.client() as client:
                elapsed, costs = run_once(client)
                cold.append(elapsed)
                warm.append(run_once(client)[0])
                # Same shape, another window: nothing cached, but sessions and tokens already set up.
                fresh.append(run_once(client, days=59)[0])
    print(f"scale={args.scale} latency={args.latency_ms}ms repeat={args.repeat}")
    print(f"statements per operation: {costs['warehouseStatements']}, queryCost {costs['queryCost']}")
    print(f"cold: median {statistics.median(cold):.0f} ms, max {max(cold):.0f} ms")
    print(f"warm: median {statistics.median(warm):.1f} ms, max {max(warm):.1f} ms")
    print(f"uncached answers, open sessions: median {statistics.median(fresh):.0f} ms, max {max(fresh):.0f} ms")


if __name__ == "__main__":
    main()
