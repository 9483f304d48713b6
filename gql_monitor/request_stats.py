"""What one GraphQL operation cost, reported in `extensions.cost` and the request's log line."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator

# (start, end) seconds on the monotonic performance counter, the clock the request log times requests with.
Interval = tuple[float, float]
# A stats object that lives long (a subscription's poller counts its calls in one) would keep an interval per call
# for ever: past this many, all but the newest span are folded into a number (see _note_source_call).
MAX_SOURCE_CALLS = 1000


@dataclass
class RequestStats:
    # Statements actually sent to the warehouse (cache hits are not statements).
    warehouse_statements: int = 0
    # HTTP calls actually made to the Jobs API.
    jobs_api_calls: int = 0
    cache_hits: int = 0
    # Whether any field came from the Jobs API (fresh or cached): such a response may only be reused for seconds.
    used_live_answers: bool = False
    # Epoch seconds when the oldest cached answer this operation used was fetched; None if all were fresh.
    oldest_answer_fetched_at: float | None = None
    # The operation's name as the request gave it (None for an anonymous operation), for the request's log line.
    operation_name: str | None = None
    # The document's computed cost (graphql/query_cost.py), kept with a cached response for its `extensions`.
    query_cost: int = 0
    # Answered whole from the response cache (http/cached_responses.py), without executing.
    response_cached: bool = False
    # When each statement and Jobs API call of the operation was in flight (cache hits are not calls).
    source_calls: list[Interval] = field(default_factory=list)
    # In-flight seconds of calls folded out of `source_calls`.
    folded_source_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note_cache_hit(self, fetched_at: float) -> None:
        self.cache_hits += 1
        if self.oldest_answer_fetched_at is None or fetched_at < self.oldest_answer_fetched_at:
            self.oldest_answer_fetched_at = fetched_at

    @contextmanager
    def source_call(self) -> Iterator[None]:
        """Times one call to a source, failed ones too. Used on the worker thread that makes the call, so waiting
        for a free worker is time the app adds, not source time."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self._note_source_call((started, time.perf_counter()))

    def _note_source_call(self, interval: Interval) -> None:
        with self._lock:  # worker threads note their calls concurrently
            self.source_calls.append(interval)
            if len(self.source_calls) > MAX_SOURCE_CALLS:
                # Exact unless a call still in flight started before the folded spans ended, and then only for an
                # object with this many calls, which no single operation makes.
                *settled, newest = in_flight(self.source_calls)
                self.folded_source_seconds += covered_seconds(settled)
                self.source_calls = [newest]

    def source_seconds(self) -> float:
        """The operation's critical path through its sources: how long at least one call was in flight. Concurrent
        calls count once, so the request's duration minus this is the time the app itself added."""
        with self._lock:
            return self.folded_source_seconds + covered_seconds(in_flight(self.source_calls))


def in_flight(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of `intervals`: the disjoint spans, in order, during which at least one of them was open. Calls
    sent together overlap, so the number of spans is how many waves (round trips) the calls went in, as far as
    timing can tell: calls in one wave that do not overlap at all count as two."""
    spans: list[Interval] = []
    for start, end in sorted(intervals):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def covered_seconds(spans: Iterable[Interval]) -> float:
    return sum(end - start for start, end in spans)
