"""Benchmark: per operation, the critical path through its sources and the time the app adds on top (issue 13's
target: at most 150 ms added).

    python bench/critical_path.py [--latency-ms 250] [--repeat 3] [--scale small]

The operations: the dashboard of bench/dashboard.py, and the documents the UI's overview, jobs, job, run, costs and
Attention pages send, as the build ships them (gql_monitor/static/build-info.json), with the variables those pages
send (the run page's run and the job page's job: the first job with a run, and that run). Each is measured

- cold: its first execution on a fresh monitor (empty caches; the start-up warm-up has opened the app's sessions,
  the first request opens the caller's), and
- uncached, open sessions: its second execution on a monitor that caches nothing (every statement runs again, no
  session is opened),

with `--latency-ms` of simulated warehouse latency per statement (the stand-in's `statement_latency_ms`). Figures
come from the request's log line (http/request_log.py): `duration_ms`, `source_ms` (the time during which at least
one statement or Jobs API call was in flight) and `app_ms` (the rest). Round trips are the disjoint spans of in-flight
calls (request_stats.in_flight): calls of one wave overlap, so the count is the waves as far as timing can tell. They
are read from the operation's RequestStats, which this script has the GraphQL context build as a subclass that
remembers each one. Medians over `--repeat`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from conftest import NOW, RunningMonitor, monitor_settings  # noqa: E402
from dashboard import DASHBOARD  # noqa: E402

import gql_monitor.graphql.context as graphql_context  # noqa: E402
from gql_monitor.local_workspace.server import LocalWorkspace  # noqa: E402
from gql_monitor.request_stats import RequestStats, in_flight  # noqa: E402

DOCUMENTS = json.loads((ROOT / "gql_monitor/static/build-info.json").read_text())["documents"]
WEEK = {"lastDays": 7}


def operations(job_id: str, run_id: str) -> list[tuple[str, str, dict]]:
    """(label, document, variables) as the pages send them with their default window (7 days)."""
    return [
        ("dashboard", DASHBOARD, {"w": {"lastDays": 60}}),
        ("overview: SpendSummary", DOCUMENTS["SpendSummary"], {"window": WEEK}),
        ("overview: FailingRuns", DOCUMENTS["FailingRuns"], {"window": WEEK, "first": 25}),
        ("overview: ForecastTotal", DOCUMENTS["ForecastTotal"], {}),
        ("overview: Failures", DOCUMENTS["Failures"], {"window": WEEK}),
        ("overview: DataQuality", DOCUMENTS["DataQuality"], {"window": WEEK}),
        ("jobs page: Jobs", DOCUMENTS["Jobs"], {"first": 25, "orderBy": "NAME", "window": WEEK}),
        ("job page: Job", DOCUMENTS["Job"], {"id": job_id, "window": WEEK, "runsFirst": 25}),
        ("run page: Run", DOCUMENTS["Run"], {"id": run_id, "window": {"lastDays": 30}}),
        ("costs page: Costs", DOCUMENTS["Costs"], {"window": WEEK, "groupBy": "JOB"}),
        ("attention: Alerts", DOCUMENTS["Alerts"], {"window": WEEK, "first": 25}),
    ]


class RememberedStats(RequestStats):
    """The operation's stats, remembered for the round trips (the log line carries only their total)."""

    made: list["RememberedStats"] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        RememberedStats.made.append(self)


class LogLines(logging.Handler):
    """The request log's events, by request id."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.events: dict[str, dict] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if isinstance(event, dict):
            self.events[event["request_id"]] = event

    def wait_for(self, request_id: str) -> dict:
        # The line is written once the response has gone out.
        deadline = time.monotonic() + 30
        while request_id not in self.events:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no log line for {request_id}")
            time.sleep(0.005)
        return self.events.pop(request_id)


_ids = itertools.count()


def measure(client, lines: LogLines, document: str, variables: dict) -> dict:
    request_id = f"critical-path-{next(_ids)}"
    RememberedStats.made.clear()
    response = client.post("/api/graphql", json={"query": document, "variables": variables},
                           headers={"X-Request-Id": request_id})
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{response.status_code}: {body.get('errors')}")
    event = lines.wait_for(request_id)
    (stats,) = RememberedStats.made
    return {**event, "round_trips": len(in_flight(stats.source_calls))}


def pick_job_and_run(client) -> tuple[str, str]:
    jobs = client.post("/api/graphql", json={"query": "{ jobs(first: 50) { nodes { id lastRun { id } } } }"}).json()
    job = next(job for job in jobs["data"]["jobs"]["nodes"] if job["lastRun"])
    return job["id"], job["lastRun"]["id"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", default="small")
    args = parser.parse_args()
    graphql_context.RequestStats = RememberedStats
    lines = LogLines()
    request_log = logging.getLogger("gql_monitor.request")
    request_log.addHandler(lines)
    request_log.setLevel(logging.INFO)
    with LocalWorkspace(scale=args.scale, seed=7, now=NOW, port=0) as ws:
        uncached_settings = monitor_settings(ws, table_cache_seconds=0, live_cache_seconds=0)
        with RunningMonitor(uncached_settings) as mon, mon.client() as client:
            ops = operations(*pick_job_and_run(client))
        ws.faults.update({"statement_latency_ms": args.latency_ms})
        cold: dict[str, list[dict]] = {label: [] for label, _, _ in ops}
        uncached: dict[str, list[dict]] = {label: [] for label, _, _ in ops}
        for _ in range(args.repeat):
            for label, document, variables in ops:
                with RunningMonitor(monitor_settings(ws)) as mon, mon.client() as client:
                    cold[label].append(measure(client, lines, document, variables))
            with RunningMonitor(uncached_settings) as mon, mon.client() as client:
                for label, document, variables in ops:
                    measure(client, lines, document, variables)  # opens the caller's sessions, fills no cache
                    uncached[label].append(measure(client, lines, document, variables))
    print(f"scale={args.scale} latency={args.latency_ms}ms repeat={args.repeat}; medians; ms from the request's "
          f"log line (source = critical path through warehouse and Jobs API, app = duration - source)")
    for title, runs in (("cold (fresh monitor)", cold), ("uncached, open sessions", uncached)):
        print(f"\n{title}")
        print(f"{'operation':<26} {'stmts':>5} {'api':>4} {'trips':>5} {'total':>8} {'source':>8} {'app':>8}")
        for label, measured in runs.items():
            def median(key: str) -> float:
                return statistics.median(m[key] for m in measured)

            print(f"{label:<26} {median('statements'):>5.0f} {median('jobs_api_calls'):>4.0f} "
                  f"{median('round_trips'):>5.0f} {median('duration_ms'):>8.0f} {median('source_ms'):>8.0f} "
                  f"{median('app_ms'):>8.0f}")


if __name__ == "__main__":
    main()
