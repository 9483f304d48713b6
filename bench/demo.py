"""Benchmark: how long `gql-monitor demo` takes to answer /api/health, and to stop on Ctrl-C.

    python bench/demo.py [--repeat 5]

The contract (README: the demo is up in seconds) is healthy within 15 s of starting on the project's machine. The
test suite checks what keeps it quick (the small scale by default, in memory) but times nothing: timing belongs here,
run on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

import httpx

HEALTHY_WITHIN = 15.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def once() -> tuple[float, float]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "GQL_MONITOR_"))}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "gql_monitor", "demo", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"the demo exited with {proc.returncode}")
            time.sleep(0.05)
        healthy = time.monotonic() - started
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        return healthy, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [once() for _ in range(args.repeat)]
    healthy = [h for h, _ in runs]
    stopped = [s for _, s in runs]
    print(f"healthy after: median {statistics.median(healthy):.2f} s, max {max(healthy):.2f} s "
          f"(contract: {HEALTHY_WITHIN:.0f} s)")
    print(f"stopped after Ctrl-C: median {statistics.median(stopped):.2f} s, max {max(stopped):.2f} s")


if __name__ == "__main__":
    main()
