"""Time is an input: every "now" the monitor reports or windows by comes from its one clock (Settings.clock), so a
pinned clock gives the same answers whatever today's date is, and a moved clock moves every default window."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from conftest import RunningMonitor, gql, monitor_settings
from helpers import amount, cents, priced_usage_rows

from gql_monitor.clock import FixedClock
from gql_monitor.graphql.context import window_clock

QUESTION = ("{ dataFreshness { checkedAt latestUsageEndTime } "
            "costs(window: {lastDays: 7}, groupBy: SKU) { total { amount } } }")


def _ask(settings) -> tuple[dict, dict, dict]:
    with RunningMonitor(settings) as mon, mon.client() as client:
        cold = gql(client, QUESTION)
        warm = gql(client, QUESTION)
        health = httpx.get(f"{mon.base_url}/api/health", timeout=60).json()
    return cold, warm, health


def test_freshness_health_windows_and_cache_stamps_read_the_monitors_clock(workspace):
    now = workspace.now
    cold, warm, health = _ask(monitor_settings(workspace))

    assert datetime.fromisoformat(cold["data"]["dataFreshness"]["checkedAt"]) == now
    assert datetime.fromisoformat(health["freshness"]["checkedAt"]) == now
    # A cached answer says when it was fetched, by the same clock.
    assert datetime.fromisoformat(warm["extensions"]["cost"]["oldestAnswerFetchedAt"]) == now
    # `lastDays: 7` ends at the clock's reading, rounded down to the window granularity.
    end = window_clock(now)
    truth = amount(priced_usage_rows(workspace, end - timedelta(days=7), end))
    assert truth > 0
    assert cents(cold["data"]["costs"]["total"]["amount"]) == cents(truth)


def test_a_clock_moved_past_the_data_moves_every_default_window(workspace):
    later = workspace.now + timedelta(days=400)
    cold, _, health = _ask(monitor_settings(workspace, clock=FixedClock(later)))

    assert datetime.fromisoformat(cold["data"]["dataFreshness"]["checkedAt"]) == later
    assert datetime.fromisoformat(health["freshness"]["checkedAt"]) == later
    # The freshness lookback and the last-7-days window both end at the moved clock: nothing of the data is in them.
    assert cold["data"]["dataFreshness"]["latestUsageEndTime"] is None
    assert health["freshness"]["latestUsageEndTime"] is None
    assert cents(cold["data"]["costs"]["total"]["amount"]) == 0
