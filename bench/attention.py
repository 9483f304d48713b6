"""Benchmark: the Attention page's operation (web/src/graphql/Alerts.graphql, as the UI sends it) and the bare
`alerts` query, cold and warm, on a synthetic workspace of a given scale.

    python bench/attention.py [--scale small|medium|large] [--db PATH] [--repeat 3] [--latency-ms 0]

`--db` reuses a workspace file generated earlier (the large one takes minutes to generate; see bench/generate.py),
otherwise the scale is generated in memory. Cold = the first execution on a fresh monitor (empty caches, sessions
and tokens set up by this request); warm = the same operation again (answered from the response cache). Prints the
statements each operation sent, which tests/api pins for the small workspace.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import NOW, RunningMonitor, monitor_settings  # noqa: E402

from gql_monitor.local_workspace.server import LocalWorkspace  # noqa: E402

PAGE = (ROOT / "web/src/graphql/Alerts.graphql").read_text() + "\n" + "\n".join(
    (ROOT / f"web/src/graphql/fragments/{name}.graphql").read_text() for name in ("NextPage", "JobRef"))
BARE = "query($w: TimeWindowInput) { alerts(first: 100, window: $w) { totalCount nodes { id kind severity } } }"


def timed(client, query: str, variables: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.post("/api/graphql", json={"query": query, "variables": variables})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return elapsed, body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small")
    parser.add_argument("--db", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    where = {"db_path": args.db} if args.db else {"scale": args.scale, "seed": 7, "now": NOW}
    with LocalWorkspace(port=0, **where) as ws:
        ws.faults.update({"statement_latency_ms": args.latency_ms})
        window = {"lastDays": 7}
        for name, query, variables in (("attention page", PAGE, {"window": window, "first": 25}),
                                       ("alerts(first: 100)", BARE, {"w": window})):
            cold, warm, body = [], [], None
            for _ in range(args.repeat):
                with RunningMonitor(monitor_settings(ws)) as mon, mon.client() as client:
                    elapsed, body = timed(client, query, variables)
                    cold.append(elapsed)
                    warm.append(timed(client, query, variables)[0])
            cost = body["extensions"]["cost"]
            alerts = body["data"]["alerts"]["totalCount"]
            print(f"{name}: scale={args.db or args.scale} alerts={alerts} statements={cost['warehouseStatements']} "
                  f"cold median {statistics.median(cold):.0f} ms (max {max(cold):.0f}), "
                  f"warm median {statistics.median(warm):.1f} ms (max {max(warm):.1f})")


if __name__ == "__main__":
    main()
