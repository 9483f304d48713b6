"""The subscriptions' moving parts without a network: what counts as a change, one poller shared by its subscribers,
failed reads said once, slow subscribers that skip states instead of queueing them, and the limits' arithmetic.

Reads are scripted; the poller's own interval is an hour, so every read after its first is one the test makes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from types import MappingProxyType

import pytest

from gql_monitor.clock import FixedClock
from gql_monitor.errors import JobsApiUnavailable, RateLimited
from gql_monitor.principal import Principal
from gql_monitor.subscriptions.changes import RunChanges, changes
from gql_monitor.subscriptions.feeds import ActiveRunsEvent, LiveFeeds, RunEvent
from gql_monitor.subscriptions.hub import FeedHub
from gql_monitor.subscriptions.limits import ConnectionLimits, MessageRate
from gql_monitor.subscriptions.poller import Read

NOW = datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)
CALLER = Principal("someone@example.com")


def run(run_id: int, state: str = "RUNNING", duration: int = 0, job_id: int = 1) -> dict:
    return {"run_id": run_id, "job_id": job_id, "state": {"life_cycle_state": state, "state_message": ""},
            "run_duration": duration}


def read(*runs: dict, complete: bool = True) -> Read:
    return Read(MappingProxyType({r["run_id"]: r for r in runs}), "1001", complete)


class Script:
    """The poller's reads: each call answers the current value (a Read, or an error to raise)."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.calls = 0

    async def __call__(self, principal, stats):
        self.calls += 1
        stats.jobs_api_calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def hub_for(script: Script) -> FeedHub:
    return FeedHub(script, interval_seconds=3600, clock=FixedClock(NOW), by_permissions=False)


def feeds(hub: FeedHub, renewed: list | None = None) -> LiveFeeds:
    return LiveFeeds(hub, CALLER, lambda: renewed.append(1) if renewed is not None else None)


async def next_of(stream):
    return await asyncio.wait_for(anext(stream), timeout=10)


async def settle() -> None:
    """Lets tasks that are ready run (a subscriber waking on a new state), without waiting on time."""
    for _ in range(20):
        await asyncio.sleep(0)


def test_only_states_and_messages_are_changes():
    before = {1: run(1), 2: run(2), 3: run(3)}
    after = {4: run(4), 1: run(1, duration=99), 2: run(2, "TERMINATING")}
    assert changes(before, after) == RunChanges(added=(4,), updated=(2,), ended=(3,))
    assert not changes(before, {k: run(k, duration=k * 10) for k in before})


async def test_subscribers_of_a_scope_share_one_poller_and_its_reads():
    script = Script(read(run(1), run(2)))
    hub = hub_for(script)
    first, second = feeds(hub).active_runs(), feeds(hub).active_runs()
    a, b = await next_of(first), await next_of(second)
    assert isinstance(a, ActiveRunsEvent) and a.snapshot and [r["run_id"] for r in a.added] == [1, 2]
    assert b == a
    [poller] = hub._pollers.values()
    assert (hub.started, poller.subscribers, script.calls) == (1, 2, 1)

    # A read that only moves the API's counters makes no state, so nobody is sent anything.
    script.answer = read(run(1, duration=5), run(2, duration=5))
    await poller.poll_once()
    assert poller._state.version == 1

    script.answer = read(run(2, "TERMINATING"), run(3))
    await poller.poll_once()
    a, b = await next_of(first), await next_of(second)
    assert not a.snapshot and a == b
    assert ([r["run_id"] for r in a.added], [r["run_id"] for r in a.updated], [r["run_id"] for r in a.ended]) == (
        [3], [2], [1])
    assert a.ended[0]["state"]["life_cycle_state"] == "RUNNING"  # as last seen
    assert script.calls == poller.polls == 3

    await first.aclose()
    assert hub.pollers() == {hub.key_for(CALLER): 1}
    await second.aclose()
    assert hub.pollers() == {} and hub.finished_polls == 3 and hub.finished_jobs_api_calls == 3


async def test_a_failing_read_is_said_once_and_recovery_resumes_from_what_was_sent():
    script = Script(read(run(1)))
    hub = hub_for(script)
    renewed: list = []
    stream = feeds(hub, renewed).active_runs()
    assert (await next_of(stream)).snapshot
    [poller] = hub._pollers.values()

    script.answer = JobsApiUnavailable("down")
    await poller.poll_once()
    error = await next_of(stream)
    assert isinstance(error, JobsApiUnavailable)
    await poller.poll_once()
    assert poller._state.version == 2, "the same failure again is no news"
    script.answer = RateLimited("slow down")
    await poller.poll_once()
    assert isinstance(await next_of(stream), RateLimited)

    # Back, with nothing changed: one empty message says the feed works again.
    script.answer = read(run(1))
    await poller.poll_once()
    event = await next_of(stream)
    assert not event.snapshot and not (event.added or event.updated or event.ended)
    assert len(renewed) == 4, "each event starts with fresh loaders"
    await stream.aclose()


async def test_a_slow_subscriber_gets_one_message_for_what_it_missed():
    script = Script(read(run(1), run(2)))
    hub = hub_for(script)
    stream = feeds(hub).active_runs()
    assert (await next_of(stream)).snapshot
    [poller] = hub._pollers.values()
    for answer in (read(run(1), run(2), run(3)), read(run(2, "TERMINATING"), run(3)), read(run(2, "TERMINATING"))):
        script.answer = answer
        await poller.poll_once()
    event = await next_of(stream)
    # Run 3 came and went unseen; run 1 ended; run 2 changed: the difference between what it had and what is.
    assert ([r["run_id"] for r in event.added], [r["run_id"] for r in event.updated],
            [r["run_id"] for r in event.ended]) == ([], [2], [1])
    await stream.aclose()


async def test_one_runs_feed_ends_when_the_run_is_no_longer_active():
    script = Script(read(run(1), run(2)))
    hub = hub_for(script)
    stream = feeds(hub).run("1001", 2)
    first = await next_of(stream)
    assert isinstance(first, RunEvent) and first.run["state"]["life_cycle_state"] == "RUNNING"
    [poller] = hub._pollers.values()
    script.answer = read(run(1, "TERMINATING"), run(2))  # another run's change is not this feed's
    await poller.poll_once()
    script.answer = read(run(2, "TERMINATING"))
    await poller.poll_once()
    assert (await next_of(stream)).run["state"]["life_cycle_state"] == "TERMINATING"
    script.answer = read()
    await poller.poll_once()
    last = await next_of(stream)
    assert last.run is None
    with pytest.raises(StopAsyncIteration):
        await next_of(stream)
    await settle()
    assert hub.pollers() == {}


async def test_a_run_of_another_workspace_is_not_active():
    hub = hub_for(Script(read(run(1))))
    stream = feeds(hub).run("2002", 1)
    assert (await next_of(stream)).run is None
    with pytest.raises(StopAsyncIteration):
        await next_of(stream)


def test_the_message_rate_is_a_burst_refilled_evenly():
    now = [0.0]
    rate = MessageRate(6, monotonic=lambda: now[0])
    assert [rate.allow() for _ in range(7)] == [True] * 6 + [False]
    now[0] += 10  # one message's worth at six a minute
    assert [rate.allow(), rate.allow()] == [True, False]
    now[0] += 3600
    assert sum(rate.allow() for _ in range(10)) == 6, "never more than a burst"


def test_connection_limits_count_the_process_and_each_caller():
    limits = ConnectionLimits(per_process=3, per_caller=2)
    assert [limits.admit() for _ in range(4)] == [True, True, True, False]
    limits.release()
    assert limits.admit()
    assert [limits.admit_caller("a") for _ in range(3)] == [True, True, False]
    assert limits.admit_caller("b")
    limits.release_caller("a")
    assert limits.admit_caller("a") and limits.of_caller("a") == 2
