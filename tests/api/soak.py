"""A bounded soak: well-behaved dashboard callers and one hostile caller against one monitor, on loopback only.

The well-behaved callers send the web UI's own documents (web/src/graphql) with varying windows, so their answers
keep needing statements; the hostile caller cycles through every input the review used to stall, bloat or crash the
server (issue 8). Everything stops by itself: at `seconds`, or when every well-behaved caller has sent `requests`.
Used by tests/api/test_soak.py (a short run in the default suite, a long one behind `-m slow`).
"""

from __future__ import annotations

import json
import pathlib
import re
import threading
import time
from dataclasses import dataclass, field

import httpx

DOCUMENTS = pathlib.Path(__file__).resolve().parents[2] / "web" / "src" / "graphql"
SURROGATE = "x\ud800"
REVIEWED_CANCELLATION = ('{ job(id: "1234567890123456:7269314695212") { lastRun { job { runs(first: 0) { totalCount } '
                         'lastRun { tasks { terminationCode } } } tasks { resultState } } } }')


def ui_document(name: str) -> str:
    """An operation of the web UI with the shared fragments it spreads (as the UI's build sends it)."""
    fragments = {path.stem: path.read_text() for path in (DOCUMENTS / "fragments").glob("*.graphql")}
    text = (DOCUMENTS / f"{name}.graphql").read_text()
    wanted, seen = re.findall(r"\.\.\.(\w+)", text), set()
    while wanted:
        fragment = wanted.pop()
        if fragment in fragments and fragment not in seen:
            seen.add(fragment)
            wanted.extend(re.findall(r"\.\.\.(\w+)", fragments[fragment]))
    return "\n".join([text, *(fragments[f] for f in sorted(seen))])


def well_behaved_requests(step: int) -> list[tuple[str, dict]]:
    """The dashboard's documents; the window moves with `step` so that answers are not all cached."""
    days = 1 + step % 90
    window = {"lastDays": days}
    document = ui_document

    return [
        (document("Freshness"), {}),
        (document("Jobs"), {"first": 25, "window": window, "orderBy": "PRIORITY" if step % 2 else "NAME"}),
        (document("FailingRuns"), {"first": 25, "window": window}),
        (document("SpendSummary"), {"window": window}),
        (document("Costs"), {"window": window, "groupBy": "SKU" if step % 2 else "JOB"}),
    ]


def hostile_requests() -> list[tuple[str, dict]]:
    """(name, request body) of every input the review found harmful, in the order the hostile caller sends them."""
    aliased = " ".join(f"a{i}: costs(window: {{lastDays: 30}}, groupBy: JOB) {{ groups {{ cost {{ daily {{ date dbus }} "
                       f"bySku {{ skuName quantity }} }} }} }}" for i in range(30))
    bomb = ("{ jobs(first: 1) { nodes { ...F0 } } } "
            + " ".join(f"fragment F{i} on Job {{ ...F{i + 1} ...F{i + 1} }}" for i in range(16))
            + " fragment F16 on Job { id name }")
    return [
        ("surrogate in a filter", {"query": "query($v: String) { jobs(first: 5, filter: {nameContains: $v}) "
                                            "{ totalCount } }", "variables": {"v": SURROGATE}}),
        ("surrogate in a tag", {"query": "query($v: String!) { jobs(first: 5, filter: {tags: [{key: $v}]}) "
                                         "{ totalCount } }", "variables": {"v": SURROGATE}}),
        ("surrogate in a DateTime", {"query": "query($v: DateTime) { runs(first: 5, window: {start: $v}) "
                                              "{ totalCount } }", "variables": {"v": SURROGATE}}),
        ("surrogate in a Decimal", {"query": "query($v: Decimal) { costs(window: {lastDays: 3}, groupBy: SKU, "
                                             "filter: {minListCost: $v}) { total { amount } } }",
                                    "variables": {"v": SURROGATE}}),
        ("surrogate operationName", {"query": "query A { viewer { userName } }", "operationName": SURROGATE}),
        ("200,000 enum values", {"query": "query($v: [ResultState!]) { runs(first: 1, filter: {resultStates: $v}) "
                                          "{ totalCount } }", "variables": {"v": ["FAILED"] * 200_000}}),
        ("thirty aliased breakdowns", {"query": "{ " + aliased + " }"}),
        ("the reviewed cancellation", {"query": REVIEWED_CANCELLATION}),
        ("a fragment bomb", {"query": bomb}),
        ("900 overlapping fields", {"query": "{ jobs(first: 1) { nodes { " + " name" * 900 + " } } }"}),
        ("pages of pages", {"query": "{ jobs(first: 100) { nodes { runs(first: 100) { nodes { id tasks { "
                                     "taskKey } } } } } }"}),
        ("too many tokens", {"query": "{ viewer { " + " userName" * 3000 + " } }"}),
    ]


@dataclass
class SoakResult:
    latencies: list[float] = field(default_factory=list)  # well-behaved, seconds
    well_behaved_failures: list[str] = field(default_factory=list)
    hostile_sent: int = 0
    hostile_failures: list[str] = field(default_factory=list)
    rss_before: int = 0
    rss_peak: int = 0
    elapsed: float = 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def rss_bytes() -> int:
    """This process's resident memory (the monitor runs in it)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import resource

    return pages * resource.getpagesize()


def run_soak(base_url: str, *, callers: int, requests: int, seconds: float, hostile_connections: int = 4,
             good_token: str = "local-admin", hostile_token: str = "local-admin") -> SoakResult:
    result = SoakResult(rss_before=rss_bytes(), rss_peak=rss_bytes())
    deadline = time.monotonic() + seconds
    done = threading.Event()
    lock = threading.Lock()

    def well_behaved(caller: int) -> None:
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {good_token}"}, timeout=120) as client:
            sent = 0
            step = caller
            while sent < requests and time.monotonic() < deadline:
                for query, variables in well_behaved_requests(step):
                    started = time.monotonic()
                    response = client.post("/api/graphql", json={"query": query, "variables": variables})
                    took = time.monotonic() - started
                    body = response.json() if response.headers.get("content-type", "").startswith("application/json") \
                        else {}
                    with lock:
                        result.latencies.append(took)
                        if response.status_code != 200 or body.get("errors"):
                            result.well_behaved_failures.append(f"{response.status_code} {response.text[:200]}")
                    sent += 1
                    if sent >= requests or time.monotonic() >= deadline:
                        break
                step += callers

    def hostile(connection: int) -> None:
        attacks = hostile_requests()
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {hostile_token}"}, timeout=120) as client:
            index = connection
            while not done.is_set() and time.monotonic() < deadline:
                name, payload = attacks[index % len(attacks)]
                index += 1
                response = client.post("/api/graphql", content=json.dumps(payload),
                                       headers={"Content-Type": "application/json"})
                problem = _hostile_problem(response)
                with lock:
                    result.hostile_sent += 1
                    if problem:
                        result.hostile_failures.append(f"{name}: {problem}")

    def sample_memory() -> None:
        while not done.wait(0.2):
            result.rss_peak = max(result.rss_peak, rss_bytes())

    started = time.monotonic()
    good = [threading.Thread(target=well_behaved, args=(i,)) for i in range(callers)]
    bad = [threading.Thread(target=hostile, args=(i,)) for i in range(hostile_connections)]
    sampler = threading.Thread(target=sample_memory)
    for thread in [sampler, *bad, *good]:
        thread.start()
    for thread in good:
        thread.join()
    done.set()
    for thread in [*bad, sampler]:
        thread.join()
    result.rss_peak = max(result.rss_peak, rss_bytes())
    result.elapsed = time.monotonic() - started
    return result


def _hostile_problem(response: httpx.Response) -> str | None:
    """What is wrong with the answer to a hostile request: a 5xx, an undecodable body, an error without a code."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    try:
        text = response.content.decode("utf-8")
    except UnicodeDecodeError:
        return "an answer that is not UTF-8"
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None if response.status_code in (400, 413) else f"HTTP {response.status_code} {text[:100]}"
    body = json.loads(text)
    uncoded = [e for e in body.get("errors") or [] if not (e.get("extensions") or {}).get("code")]
    return f"errors without a code: {uncoded[:1]}" if uncoded else None
