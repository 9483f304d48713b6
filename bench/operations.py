"""Benchmark: the UI's common operations on small, medium and large workspaces, cold and warm, with what each statement
read in the stand-in (issue 13, part 4 "Scale").

    python bench/operations.py [--scales small,medium,large] [--data /work/bench-data] [--repeat 3]
                               [--large-repeat 1] [--windows 7,30,90] [--only overview,jobs]

Operations, as the UI sends them (web/src/graphql/*.graphql with their fragments; the documents a page sends
together are sent in parallel, as the browser does):

- overview: ForecastTotal, FailingRuns (24 hours, 25 runs), SpendSummary (30 days), Failures (7 days), DataQuality
  (30 days); the live "running now" feed is the Jobs API's and is left out;
- jobs: Jobs (first 25, by name, 30 days); job: Job (30 days, 25 runs); run: Run (30 days of the job's durations);
- costs-job / costs-day: Costs grouped by JOB / DAY (30 days); alerts: Alerts, the Attention page (7 days, 25).

The job is the one with the most runs in the 30 days (ties by id), the run its latest finished run: read from the
stand-in's database before the monitor starts, so the choice is deterministic and costs the monitor nothing. Windows
are explicit `{start, end}` ending at the workspace's "now" rounded up to five minutes, as the UI anchors them.

Workspaces: small is generated in memory; medium and large are read from `--data`/<scale>.duckdb when that file
exists (generate them once: `gql-monitor local-workspace --db FILE --scale large`, or bench/generate.py; seed 7 and the
tests' anchor), else generated in memory. The stand-in profiles every statement (`profile_statements`).

Cold = the first request on a fresh monitor (empty caches; sessions and tokens set up by the request); warm = the same
request again on that monitor. Per operation and scale it prints the statements (and Jobs API calls), the rows the
statements scanned (DuckDB's profiler, after the filters it pushes into scans) and returned (what the stand-in
encodes and the monitor decodes), the stand-in's DuckDB time (sum over
statements, and "busy": the time at least one statement was running, which is what is on the critical path when
statements run in parallel), the latency, and the rest (latency minus busy): the monitor's own work, the connector, the
Thrift encoding both ways and the Jobs API. Medians over --repeat fresh monitors (--large-repeat on large). An
operation answered with errors is printed with their codes (e.g. QUERY_TOO_COMPLEX), not dropped.
Then, on medium, the jobs and costs pages over 7, 30 and 90 days (cold), against the rows in each window.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import math
import re
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import NOW, RunningMonitor, monitor_settings  # noqa: E402

from gql_monitor.local_workspace.server import LocalWorkspace  # noqa: E402

GRAPHQL = ROOT / "web/src/graphql"


def document(name: str) -> str:
    """A UI document with every fragment it spreads, transitively, as the UI's generated code sends it."""
    text = (GRAPHQL / f"{name}.graphql").read_text()
    seen: set[str] = set()
    pending = re.findall(r"\.\.\.\s*([A-Z]\w*)", text)
    parts = [text]
    while pending:
        fragment = pending.pop()
        if fragment in seen:
            continue
        seen.add(fragment)
        body = (GRAPHQL / "fragments" / f"{fragment}.graphql").read_text()
        parts.append(body)
        pending += re.findall(r"\.\.\.\s*([A-Z]\w*)", body)
    return "\n".join(parts)


@dataclass(frozen=True)
class Target:
    job_id: str  # `<workspace id>:<job id>`
    run_id: str  # `<workspace id>:<run id>`
    job_runs: int


def window(end: datetime, days: float) -> dict:
    return {"start": (end - timedelta(days=days)).isoformat(), "end": end.isoformat()}


def window_end(now: datetime) -> datetime:
    grid = 300
    return datetime.fromtimestamp(math.ceil(now.timestamp() / grid) * grid, tz=now.tzinfo)


def operations(end: datetime, target: Target, days: int = 30) -> dict[str, list[tuple[str, dict]]]:
    w = window(end, days)
    return {
        "overview": [
            (document("ForecastTotal"), {}),
            (document("FailingRuns"), {"window": window(end, 1), "first": 25, "workspaceId": None}),
            (document("SpendSummary"), {"window": window(end, 30), "workspaceId": None}),
            (document("Failures"), {"window": window(end, 7)}),
            (document("DataQuality"), {"window": window(end, 30)}),
        ],
        "jobs": [(document("Jobs"), {"first": 25, "after": None, "filter": None, "orderBy": "NAME", "window": w})],
        "job": [(document("Job"), {"id": target.job_id, "window": w, "runsFirst": 25, "runsAfter": None})],
        "run": [(document("Run"), {"id": target.run_id, "window": w})],
        "costs-job": [(document("Costs"), {"window": w, "groupBy": "JOB", "tagKey": None, "workspaceId": None})],
        "costs-day": [(document("Costs"), {"window": w, "groupBy": "DAY", "tagKey": None, "workspaceId": None})],
        "alerts": [(document("Alerts"), {"window": window(end, 7), "first": 25, "after": None, "severity": None,
                                         "kinds": None, "workspaceId": None})],
    }


def pick_target(ws: LocalWorkspace, end: datetime, days: int = 30) -> Target:
    """The job with the most runs started in the window, among jobs the jobs table knows; its latest finished run."""
    cur = ws.state.db.cursor()
    start = end - timedelta(days=days)
    workspace_id, job_id, runs = cur.execute(
        "SELECT r.workspace_id, r.job_id, count(DISTINCT r.run_id) AS n FROM lakeflow.job_run_timeline r "
        "WHERE r.period_start_time >= ? AND r.period_start_time < ? "
        "AND EXISTS (SELECT 1 FROM lakeflow.jobs j WHERE j.workspace_id = r.workspace_id AND j.job_id = r.job_id) "
        "GROUP BY ALL ORDER BY n DESC, r.workspace_id, r.job_id LIMIT 1", [start, end]).fetchone()
    (run_id,) = cur.execute(
        "SELECT run_id FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ? AND result_state IS NOT NULL "
        "AND period_end_time < ? ORDER BY period_end_time DESC, run_id DESC LIMIT 1", [workspace_id, job_id, end],
    ).fetchone()
    cur.close()
    return Target(f"{workspace_id}:{job_id}", f"{workspace_id}:{run_id}", runs)


@dataclass
class Sample:
    latency_ms: float
    statements: int
    jobs_api_calls: int
    rows_scanned: int
    duckdb_ms: float  # sum over statements
    busy_ms: float  # union of the statements' DuckDB intervals
    rows_returned: int
    unprofiled: int  # statements DuckDB gave no profile for (answered from statistics) or that failed
    errors: list  # error codes of the answers (the operation is then not what the UI shows)
    logged: list  # the stand-in's LoggedStatements, for --detail

    @property
    def rest_ms(self) -> float:
        return self.latency_ms - self.busy_ms


def post(client, query: str, variables: dict) -> dict:
    response = client.post("/api/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert response.status_code == 200, (response.status_code, body)
    return body


def busy(intervals: list[tuple[float, float]]) -> float:
    total, reach = 0.0, -math.inf
    for start, stop in sorted(intervals):
        if stop > reach:
            total += stop - max(start, reach)
            reach = stop
    return total


def measure(ws: LocalWorkspace, client, requests: list[tuple[str, dict]]) -> Sample:
    before = len(ws.state.statements)
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(requests)) as pool:
        bodies = list(pool.map(lambda r: post(client, *r), requests))
    latency = (time.perf_counter() - started) * 1000
    logged = list(ws.state.statements)[before:]
    profiles = [s.profile for s in logged if s.profile is not None]
    costs = [b["extensions"]["cost"] for b in bodies]
    statements = sum(c["warehouseStatements"] for c in costs)
    assert statements == len(logged), (statements, len(logged))
    return Sample(
        latency_ms=latency,
        statements=statements,
        jobs_api_calls=sum(c["jobsApiCalls"] for c in costs),
        rows_scanned=sum(p.rows_scanned or 0 for p in profiles),
        rows_returned=sum(p.rows_returned for p in profiles),
        duckdb_ms=sum(p.duckdb_ms for p in profiles),
        busy_ms=busy([(p.started, p.started + p.duckdb_ms / 1000) for p in profiles]) * 1000,
        unprofiled=sum(1 for s in logged if s.profile is None or s.profile.rows_scanned is None),
        logged=logged,
        errors=sorted({e.get("extensions", {}).get("code", "?") for b in bodies for e in b.get("errors") or []}),
    )


def cold_and_warm(ws: LocalWorkspace, requests: list[tuple[str, dict]], repeat: int) -> tuple[Sample, Sample]:
    cold, warm = [], []
    for _ in range(repeat):
        with RunningMonitor(monitor_settings(ws)) as mon, mon.client() as client:
            cold.append(measure(ws, client, requests))
            warm.append(measure(ws, client, requests))
    return median(cold), median(warm)


def median(samples: list[Sample]) -> Sample:
    """The sample of median latency (its statements and rows are those of that run, which are the same every run)."""
    return sorted(samples, key=lambda s: s.latency_ms)[(len(samples) - 1) // 2]


def row(scale: str, name: str, kind: str, s: Sample) -> str:
    failed = f" ({', '.join(s.errors)})" if s.errors else ""
    return (f"| {scale} | {name}{failed} | {kind} | {s.statements} | {s.jobs_api_calls} | {s.rows_scanned:,} | "
            f"{s.rows_returned:,} | {s.duckdb_ms:,.0f} | {s.busy_ms:,.0f} | {s.latency_ms:,.0f} | {s.rest_ms:,.0f} |")


HEADER = ("| scale | operation | | statements | Jobs API calls | rows scanned | rows returned | DuckDB ms (sum) | "
          "DuckDB ms (busy) | latency ms | rest ms |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")


def data_sizes(ws: LocalWorkspace, end: datetime) -> dict[str, int]:
    cur = ws.state.db.cursor()
    sizes = {}
    for label, sql in (("jobs", "SELECT count(*) FROM lakeflow.jobs"),
                       ("run rows", "SELECT count(*) FROM lakeflow.job_run_timeline"),
                       ("task run rows", "SELECT count(*) FROM lakeflow.job_task_run_timeline"),
                       ("usage rows", "SELECT count(*) FROM billing.usage")):
        sizes[label] = cur.execute(sql).fetchone()[0]
    for days in (7, 30, 90):
        start = end - timedelta(days=days)
        sizes[f"run rows {days}d"] = cur.execute(
            "SELECT count(*) FROM lakeflow.job_run_timeline WHERE period_start_time >= ? AND period_start_time < ?",
            [start, end]).fetchone()[0]
        sizes[f"usage rows {days}d"] = cur.execute(
            "SELECT count(*) FROM billing.usage WHERE usage_start_time >= ? AND usage_start_time < ?",
            [start, end]).fetchone()[0]
    cur.close()
    return sizes


def workspace(scale: str, data: Path) -> LocalWorkspace:
    path = data / f"{scale}.duckdb"
    if scale != "small" and path.exists():
        return LocalWorkspace(db_path=str(path), port=0, profile_statements=True)
    return LocalWorkspace(scale=scale, seed=7, now=NOW, port=0, profile_statements=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="small,medium,large")
    parser.add_argument("--data", default="/work/bench-data", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--large-repeat", type=int, default=1)
    parser.add_argument("--windows", default="7,30,90", help="window lengths (days) for the medium workspace's "
                                                               "jobs and costs pages; empty to skip")
    parser.add_argument("--only", default="", help="comma-separated operation names (default: all)")
    parser.add_argument("--detail", action="store_true", help="print each cold statement: DuckDB ms, rows, text")
    args = parser.parse_args()
    only = {o for o in args.only.split(",") if o}
    windows = [int(d) for d in args.windows.split(",") if d]
    rows, window_rows = [], []
    for scale in args.scales.split(","):
        opened = time.perf_counter()
        with workspace(scale, args.data) as ws:
            end = window_end(ws.now)
            target = pick_target(ws, end)
            sizes = data_sizes(ws, end)
            print(f"{scale}: opened in {time.perf_counter() - opened:.1f} s; " +
                  ", ".join(f"{k} {v:,}" for k, v in sizes.items()) +
                  f"; job {target.job_id} ({target.job_runs} runs in 30 days), run {target.run_id}", flush=True)
            repeat = args.large_repeat if scale == "large" else args.repeat
            for name, requests in operations(end, target).items():
                if only and name not in only:
                    continue
                cold, warm = cold_and_warm(ws, requests, repeat)
                for kind, sample in (("cold", cold), ("warm", warm)):
                    rows.append(row(scale, name, kind, sample))
                    print(rows[-1], flush=True)
                if args.detail:
                    for s in cold.logged:
                        p = s.profile
                        text = " ".join(s.statement.split())[:150]
                        print(f"    {p.duckdb_ms if p else 0:8.1f} ms {p.rows_scanned or 0 if p else 0:>12,} scanned "
                              f"{p.rows_returned if p else 0:>8,} returned  {text}")
                if cold.unprofiled:
                    print(f"  ({cold.unprofiled} statement(s) without a profile)", flush=True)
            if scale == "medium":
                for days in windows:
                    for name, requests in operations(end, target, days).items():
                        if name not in ("jobs", "costs-job", "costs-day") or (only and name not in only):
                            continue
                        cold, _ = cold_and_warm(ws, requests, repeat)
                        failed = f" ({', '.join(cold.errors)})" if cold.errors else ""
                        line = (f"| {days} | {name}{failed} | {sizes[f'run rows {days}d']:,} | "
                                f"{sizes[f'usage rows {days}d']:,} | {cold.statements} | {cold.rows_scanned:,} | "
                                f"{cold.rows_returned:,} | {cold.busy_ms:,.0f} | {cold.latency_ms:,.0f} | "
                                f"{cold.rest_ms:,.0f} |")
                        window_rows.append(line)
                        print(line, flush=True)
    print()
    print(HEADER)
    print("\n".join(rows))
    if window_rows:
        print()
        print("| days | operation (medium, cold) | run rows in window | usage rows in window | statements | "
              "rows scanned | rows returned | DuckDB ms (busy) | latency ms | rest ms |\n"
              "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|")
        print("\n".join(window_rows))


if __name__ == "__main__":
    main()
