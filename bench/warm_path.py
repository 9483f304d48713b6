"""Benchmark: requests per second on the warm path, with wrk, against `gql-monitor serve` on the stand-in.

    python bench/warm_path.py [--seconds 10] [--workers 1] [--scale small]

Needs wrk (`apt-get install -y wrk`). Starts `gql-monitor local-workspace` and `gql-monitor serve` as the README's
commands do (service-principal data access, JSON logs to a file, the clock pinned with GQL_MONITOR_NOW so that no
five-minute window boundary falls inside a run), primes each operation once, then runs wrk against each: 16
connections for throughput, then one connection for the latency a single client sees (wrk's 50th percentile).

Operations:
- health: `GET /api/health`, answered from the state its background task keeps;
- viewer, dashboard: `{ viewer { userName } }` and bench/dashboard.py's operation, repeated: answered from the
  stored response (http/cached_responses.py);
- viewer executed, dashboard executed: the same documents under a new operation name on every request, so each is
  parsed, validated and executed (the dashboard's statements' answers come from the answer cache): what a request
  costs when its response is not stored.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard import DASHBOARD  # noqa: E402

NOW = "2026-11-20T12:07:00Z"
TOKEN = "local-admin"
VIEWER = "query Viewer { viewer { userName } }"


def wait_for(url: str, seconds: float = 60, *, any_status: bool = False) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200 or any_status:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def lua_for(document: str | None, variables: dict | None, rename: bool) -> str:
    """A wrk script posting the document; with `rename`, each request names its operation anew."""
    if document is None:
        return ""
    head = ('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n')
    if not rename:
        return head + f"wrk.body = {json.dumps(json.dumps({'query': document, 'variables': variables}))}\n"
    # `query Viewer {` → `query ViewerR7_123 {`: a new document text, so a new response key, every request. RUN_ is
    # replaced per wrk run (run_wrk), so no run repeats an earlier run's names (whose responses are stored).
    name = re.search(r"query (\w+)", document).group(1)
    renamed = document.replace(f"query {name}", f"query {name}RUN_@@", 1)
    prefix, suffix = json.dumps({"query": renamed, "variables": variables}).split("@@")
    return head + (f"local n = 0\nrequest = function()\n  n = n + 1\n"
                   f"  return wrk.format(nil, nil, nil, {json.dumps(prefix)} .. n .. {json.dumps(suffix)})\nend\n")


RUNS = iter(range(1, 1_000_000))


def run_wrk(url: str, script: str, connections: int, seconds: int, workdir: Path) -> dict:
    script = script.replace("RUN_", f"R{next(RUNS)}_")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "--latency", url]
    if script:
        path = workdir / f"script-{abs(hash(script))}.lua"
        path.write_text(script)
        command[1:1] = ["-s", str(path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": float(p50.group(1)) * scale, "non_2xx": int(errors.group(1)) if errors else 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--ws-port", type=int, default=8711)
    parser.add_argument("--port", type=int, default=8710)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    workdir = Path(tempfile.mkdtemp(prefix="gqlm-warm-"))
    stand_in = subprocess.Popen(
        [sys.executable, "-m", "gql_monitor", "local-workspace", "--port", str(args.ws_port), "--scale", args.scale,
         "--now", NOW], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "DATABRICKS_HOST": f"http://127.0.0.1:{args.ws_port}", "DATABRICKS_WAREHOUSE_ID": "local",
           "DATABRICKS_CLIENT_ID": "local-sp", "DATABRICKS_CLIENT_SECRET": "local-sp-secret", "GQL_MONITOR_NOW": NOW,
           "GQL_MONITOR_WORKERS": str(args.workers)}
    log = (workdir / "serve.log").open("w")
    monitor = None
    try:
        wait_for(f"http://127.0.0.1:{args.ws_port}/api/2.0/preview/scim/v2/Me", 120, any_status=True)
        monitor = subprocess.Popen([sys.executable, "-m", "gql_monitor", "serve", "--port", str(args.port)],
                                   env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{args.port}"
        wait_for(base + "/api/ready", 180)
        graphql = base + "/api/graphql"
        variables = {"w": {"lastDays": 60}}
        operations = [
            ("health", base + "/api/health", ""),
            ("viewer", graphql, lua_for(VIEWER, None, rename=False)),
            ("dashboard", graphql, lua_for(DASHBOARD, variables, rename=False)),
            ("viewer executed", graphql, lua_for(VIEWER, None, rename=True)),
            ("dashboard executed", graphql, lua_for(DASHBOARD, variables, rename=True)),
        ]
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as client:
            for document, values in ((VIEWER, None), (DASHBOARD, variables)):
                for _ in range(2):  # every worker process sees it at least once, most likely
                    assert client.post(graphql, json={"query": document, "variables": values}).status_code == 200
        print(f"workers={args.workers} scale={args.scale} seconds={args.seconds} cpus={os.cpu_count()}")
        print("| operation | requests/s, 16 connections | p50, 16 connections | requests/s, 1 connection | p50, 1 "
              "connection |")
        print("|---|---|---|---|---|")
        for name, url, script in operations:
            run_wrk(url, script, 16, 2, workdir)  # warm-up: every worker's caches, the first window
            many = run_wrk(url, script, 16, args.seconds, workdir)
            one = run_wrk(url, script, 1, args.seconds, workdir)
            failed = many["non_2xx"] + one["non_2xx"]
            print(f"| {name} | {many['rps']:,.0f} | {many['p50_ms']:.2f} ms | {one['rps']:,.0f} | "
                  f"{one['p50_ms']:.2f} ms |" + (f" {failed} non-2xx!" if failed else ""), flush=True)
    finally:
        for process in (monitor, stand_in):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
