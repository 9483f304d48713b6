"""The critical path through an operation's sources: the union of its calls' in-flight intervals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from gql_monitor import request_stats
from gql_monitor.request_stats import RequestStats, in_flight


@pytest.mark.parametrize("intervals, spans", [
    ([], []),
    ([(1.0, 2.0)], [(1.0, 2.0)]),
    # Overlapping calls (one wave of concurrent statements) count once.
    ([(1.0, 3.0), (2.0, 4.0)], [(1.0, 4.0)]),
    # A call inside another adds nothing.
    ([(1.0, 5.0), (2.0, 3.0)], [(1.0, 5.0)]),
    # A gap between waves (the app working between round trips) is not source time.
    ([(1.0, 2.0), (3.0, 4.0)], [(1.0, 2.0), (3.0, 4.0)]),
    # One call starting as another ends: the sources were busy throughout.
    ([(1.0, 2.0), (2.0, 3.0)], [(1.0, 3.0)]),
    # Calls are noted as they end, not as they start.
    ([(5.0, 6.0), (1.0, 2.0), (1.5, 5.5), (8.0, 9.0), (8.5, 8.6)], [(1.0, 6.0), (8.0, 9.0)]),
])
def test_the_calls_in_flight_are_the_union_of_their_intervals(intervals, spans):
    assert in_flight(intervals) == spans
    stats = RequestStats(source_calls=list(intervals))
    assert stats.source_seconds() == pytest.approx(sum(end - start for start, end in spans))


def test_a_timed_call_is_noted_when_it_fails_too():
    stats = RequestStats()
    with pytest.raises(RuntimeError):
        with stats.source_call():
            raise RuntimeError("the warehouse refused")
    with stats.source_call():
        pass
    assert len(stats.source_calls) == 2 and all(start <= end for start, end in stats.source_calls)
    assert stats.source_seconds() >= 0


def test_calls_noted_from_many_threads_are_all_kept():
    stats = RequestStats()

    def call(_):
        with stats.source_call():
            pass

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, range(500)))
    assert len(stats.source_calls) == 500


def test_a_long_lived_stats_object_keeps_a_bounded_list_and_the_same_total(monkeypatch):
    monkeypatch.setattr(request_stats, "MAX_SOURCE_CALLS", 10)
    stats = RequestStats()
    # 25 polls a second apart, each in flight for half a second; after the 3rd, 13th and 23rd a longer call bridges
    # the gap to the next one, half a second more each.
    for n in range(25):
        stats._note_source_call((float(n), n + 0.5))
        if n % 10 == 2:
            stats._note_source_call((n + 0.25, n + 1.25))
    assert len(stats.source_calls) <= 11
    assert stats.source_seconds() == pytest.approx(25 * 0.5 + 3 * 0.5)
