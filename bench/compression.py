"""Benchmark: bytes on the wire with and without compression, for the dashboard answer and the UI's assets.

    python bench/compression.py

Sends the dashboard operation of bench/dashboard.py (small workspace, seed 7) and fetches every script and stylesheet
of the UI and of GraphiQL with `Accept-Encoding: identity`, `gzip` and what a browser sends, and reports the bytes received (the
body as sent, before any decoding) and, for the answer, the time to gzip it in process at the level the app uses.
"""

from __future__ import annotations

import gzip
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import NOW, RunningMonitor, monitor_settings  # noqa: E402
from dashboard import DASHBOARD  # noqa: E402

from gql_monitor.http.compression import GZIP_LEVEL  # noqa: E402
from gql_monitor.local_workspace.server import LocalWorkspace  # noqa: E402

# Nothing; gzip only; what Chromium sends over HTTPS.
CODINGS = ("identity", "gzip", "gzip, deflate, br, zstd")


def wire(client, method: str, path: str, coding: str, **kwargs) -> tuple[int, str]:
    with client.stream(method, path, headers={"Accept-Encoding": coding}, **kwargs) as response:
        return len(b"".join(response.iter_raw())), response.headers.get("content-encoding", "identity")


def row(name: str, sizes: dict[str, tuple[int, str]]) -> str:
    raw = sizes["identity"][0]
    cells = [f"{size:,} ({sent}, {size / raw:.0%})" if coding != "identity" else f"{size:,}"
             for coding, (size, sent) in sizes.items()]
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    print("| response | `identity` | `gzip` | `gzip, deflate, br, zstd` |")
    print("|---|---|---|---|")
    with LocalWorkspace(scale="small", seed=7, now=NOW, port=0) as ws:
        with RunningMonitor(monitor_settings(ws)) as mon, mon.client() as client:
            body = {"query": DASHBOARD, "variables": {"w": {"lastDays": 60}}}
            answer = client.post("/api/graphql", json=body).content
            print(row("dashboard answer", {c: wire(client, "POST", "/api/graphql", c, json=body) for c in CODINGS}))
            for page in ("/", "/api/graphql"):
                html = client.get(page, headers={"Accept": "text/html"}).text
                for path in re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', html):
                    print(row(path.rsplit("/", 1)[1], {c: wire(client, "GET", path, c) for c in CODINGS}))
    print()
    for level in sorted({GZIP_LEVEL, 9}):
        started = time.perf_counter()
        for _ in range(20):
            packed = gzip.compress(answer, compresslevel=level)
        print(f"gzip level {level} of the {len(answer):,}-byte answer: {len(packed):,} bytes in "
              f"{(time.perf_counter() - started) / 20 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
