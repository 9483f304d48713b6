"""Benchmark: how soon the overview shows its data after a navigation, on a fresh demo, in headless Chromium; and what
the UI entry weighs.

    python bench/ui.py [--repeat 5] [--warm 5]

Issue 12's budgets: overview data visible within 1.5 s of navigating to /overview on a fresh `gql-monitor demo`, and
the UI entry (index.html's script and stylesheet) at most 120 KB gzipped (the size is pinned by
tests/test_web_build.py; this prints it beside the timings).

For each repetition a new `gql-monitor demo` is started (a fresh process: empty answer and response caches, no
warehouse session, no token yet) and, once /api/health answers, a new browser context (empty HTTP cache) navigates
to /overview. "Data visible" is the moment the last of the overview's data panels (failing runs, running now, the
failure breakdown, spend, freshness, what the tables cannot attribute) and its tiles hold the API's answer, taken in
the page itself: an init script records `performance.now()` (milliseconds since the navigation started) when each
panel's `data-state` leaves `loading`. Then `--warm` more navigations in new browser contexts against the same demo
(server caches warm, browser cache cold). The timings are the page's own clock, not this script's polling.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "gql_monitor" / "static"
PANELS = ["failing", "active", "failures", "spend", "freshness", "data-quality"]
TILES = ["tile-failing", "tile-active", "tile-spend", "tile-unattributed", "tile-forecast"]
BUDGET_MS = 1500
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# Runs in the page before its own scripts: notes when each panel settles and each tile gets its value.
RECORDER = """
window.__settled = {};
new MutationObserver(() => {
  for (const id of %(panels)s) {
    const el = document.getElementById(id);
    if (el && el.dataset.state && el.dataset.state !== "loading" && !(id in window.__settled)) {
      window.__settled[id] = performance.now();
    }
  }
  for (const id of %(tiles)s) {
    const v = document.querySelector("#" + id + " .tile-value");
    if (v && v.textContent !== "…" && !(id in window.__settled)) window.__settled[id] = performance.now();
  }
}).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
""" % {"panels": PANELS, "tiles": TILES}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "GQL_MONITOR_"))}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "gql_monitor", "demo", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/health", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"the demo exited with {proc.returncode}")
        time.sleep(0.05)
    stop_demo(proc)
    raise SystemExit("the demo did not become healthy within 120 s")


def stop_demo(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def visit(browser, base: str) -> dict[str, float]:
    """One navigation to /overview in a fresh browser context: when each panel and tile settled (ms)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        context.add_init_script(RECORDER)
        page = context.new_page()
        page.goto(base + "/overview")
        page.wait_for_function("(ids) => ids.every((id) => id in window.__settled)", arg=PANELS + TILES,
                               timeout=60_000)
        settled = page.evaluate("window.__settled")
        errors = [p for p in PANELS if page.get_attribute(f"#{p}", "data-state") != "done"]
        if errors:
            raise SystemExit(f"panels in error, not data: {errors}")
        return settled
    finally:
        context.close()


def entry_size() -> tuple[int, int]:
    html = (STATIC / "index.html").read_text()
    entry = re.findall(r'(?:src|href)="/assets/(app-[^"]+\.(?:js|css))"', html)
    raw = sum((STATIC / "assets" / name).stat().st_size for name in entry)
    gz = sum((STATIC / "assets" / f"{name}.gz").stat().st_size for name in entry)
    return raw, gz


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5, help="fresh demos, one first navigation each")
    parser.add_argument("--warm", type=int, default=5, help="further navigations against each demo")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    first, warm, slowest = [], [], {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            for _ in range(args.repeat):
                proc, base = start_demo()
                try:
                    settled = visit(browser, base)
                    first.append(max(settled.values()))
                    for name, at in settled.items():
                        slowest.setdefault(name, []).append(at)
                    warm += [max(visit(browser, base).values()) for _ in range(args.warm)]
                finally:
                    stop_demo(proc)
        finally:
            browser.close()
    raw, gz = entry_size()
    print(f"UI entry (script + stylesheet): {raw:,} bytes, {gz:,} bytes gzipped (budget 122,880)")
    print(f"overview data visible, first navigation on a fresh demo (n={len(first)}): median "
          f"{statistics.median(first):,.0f} ms, max {max(first):,.0f} ms (budget {BUDGET_MS:,} ms)")
    if warm:
        print(f"overview data visible, later navigations (n={len(warm)}): median {statistics.median(warm):,.0f} ms, "
              f"max {max(warm):,.0f} ms")
    print("first navigation, when each part settled (median ms):")
    for name, times in sorted(slowest.items(), key=lambda kv: statistics.median(kv[1])):
        print(f"  {name:<20} {statistics.median(times):,.0f}")
    if max(first) > BUDGET_MS:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
