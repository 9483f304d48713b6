"""Memory stays bounded by the cache budget however much is cached: a process fills both caches (table answers and
whole responses, as the app builds them) far past the budget, and its resident memory is read, not timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
BUDGET = 4 * MIB
# Room for what is not the cache: the value being built and encoded, and the allocator's slack.
SLACK = 40 * MIB

FILL = r'''
import asyncio, json, pickle, sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from gql_monitor.services import Services
from gql_monitor.settings import Settings

def rss_bytes():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))

def response(i):
    # A dashboard-like GraphQL answer: ~250 KB of JSON, several MB as Python objects.
    return {"jobs": {"nodes": [{"id": f"{i}:{n}", "name": f"job {i} {n}", "lastRun": {"resultState": "SUCCESS",
            "startTime": "2026-11-20T12:00:00+00:00", "cost": {"listCost": {"amount": str(n * 1.5)}}}}
            for n in range(1500)]}}

def rows(i):
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return [{"run_id": i * 10000 + n, "job_name": f"job {n}", "start_time": start + timedelta(minutes=n),
             "dbus": Decimal(n) / 7, "result_state": "SUCCEEDED"} for n in range(1500)]

async def main(base_url, budget, count):
    services = Services.build(Settings.for_stand_in(base_url, cache_max_bytes=budget))
    offered = count * (len(pickle.dumps(response(0))) + len(pickle.dumps(rows(0))))
    before = rss_bytes()
    for i in range(count):
        await services.responses.put(f"response-{i}", response(i), 300)
        await services.cache.get_or_compute(f"answer-{i}", 300, lambda i=i: asyncio.sleep(0, rows(i)))
    grown = rss_bytes() - before
    warm = await services.responses.get(f"response-{count - 1}")
    print(json.dumps({"grown": grown, "offered": offered, "newest_kept": warm is not None and warm[1] == response(count - 1)}))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
'''


def test_filling_the_caches_far_past_the_budget_keeps_memory_within_it(workspace):
    result = subprocess.run([sys.executable, "-c", FILL, workspace.base_url, str(BUDGET), "200"], cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"offered {figures['offered'] / MIB:.0f} MiB to a {BUDGET / MIB:.0f} MiB budget; "
          f"resident memory grew {figures['grown'] / MIB:.1f} MiB")
    assert figures["offered"] > 8 * BUDGET, "the test must fill the caches well past the budget"
    assert figures["newest_kept"], "the cache still keeps (and serves) recent entries"
    assert figures["grown"] < BUDGET + SLACK, figures
