"""What a subscription resolver follows: the caller's active runs, or one run, as events from their scope's poller.

Each event is executed as a GraphQL operation of its own (its fields ask the loaders: the job, usual durations, the
run's details), so before each one `renew` gives the operation fresh loaders, stats and window clock: a subscription
open for hours must neither serve an answer its loaders cached at the start nor report the whole connection's cost
in every message.

A failed read is yielded as its error (the resolver yields it, so that event's field is null with the error's
code) once, not at every interval; the next successful read is sent as changes against what the subscriber last got.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, AsyncIterator, Callable, Mapping

from gql_monitor.errors import MonitorError
from gql_monitor.principal import Principal
from gql_monitor.subscriptions.changes import signature
from gql_monitor.subscriptions.hub import FeedHub
from gql_monitor.subscriptions.poller import ActiveRunsState

Run = Mapping[str, Any]


@dataclass(frozen=True)
class ActiveRunsEvent:
    """`snapshot`: the first message, every active run in `added`. Otherwise what changed since the last message:
    runs that started, runs whose state changed, runs that are no longer active (as they were last seen)."""

    snapshot: bool
    added: tuple[Run, ...]
    updated: tuple[Run, ...]
    ended: tuple[Run, ...]
    workspace_id: str
    polled_at: datetime
    complete: bool


@dataclass(frozen=True)
class RunEvent:
    """One run's state: `run` is its entry among the active runs, None once it is not (or never was) active."""

    run_id: int
    workspace_id: str
    run: Run | None
    polled_at: datetime


class LiveFeeds:
    def __init__(self, hub: FeedHub, principal: Principal, renew: Callable[[], None]) -> None:
        self._hub = hub
        self._principal = principal
        self._renew = renew

    async def _reads(self, poller) -> AsyncIterator[MonitorError | tuple[ActiveRunsState, bool]]:
        """Each newer read of the poller: a failure once per error code (operation renewed), else the state and
        whether it is the first success after a failure (which is sent even if nothing changed)."""
        seen = 0
        failing: MonitorError | None = None
        while True:
            state = await poller.newer_than(seen)
            seen = state.version
            if state.error is not None:
                if failing is None or failing.code != state.error.code:
                    failing = state.error
                    self._renew()
                    yield state.error
                continue
            recovered, failing = failing is not None, None
            yield state, recovered

    async def active_runs(self) -> AsyncIterator[ActiveRunsEvent | MonitorError]:
        async with self._hub.follow(self._principal) as poller, aclosing(self._reads(poller)) as reads:
            delivered: ActiveRunsState | None = None
            async for read in reads:
                if isinstance(read, MonitorError):
                    yield read
                    continue
                state, recovered = read
                if delivered is None:
                    event = ActiveRunsEvent(True, tuple(state.runs.values()), (), (), state.workspace_id,
                                            state.polled_at, state.complete)
                else:
                    diff = poller.changes(delivered, state)
                    if not diff and not recovered and delivered.complete == state.complete:
                        delivered = state
                        continue
                    event = ActiveRunsEvent(
                        False,
                        tuple(state.runs[run_id] for run_id in diff.added),
                        tuple(state.runs[run_id] for run_id in diff.updated),
                        tuple(delivered.runs[run_id] for run_id in diff.ended),
                        state.workspace_id, state.polled_at, state.complete,
                    )
                delivered = state
                self._renew()
                yield event

    async def run(self, workspace_id: str, run_id: int) -> AsyncIterator[RunEvent | MonitorError]:
        """The run's state now, then each change while it is active; the stream ends with the message saying it no
        longer is. A run of another workspace, of a job the caller may not see, or unknown is simply not active."""
        async with self._hub.follow(self._principal) as poller, aclosing(self._reads(poller)) as reads:
            sent: tuple | None = None
            async for read in reads:
                if isinstance(read, MonitorError):
                    yield read
                    continue
                state, recovered = read
                run = state.runs.get(run_id) if workspace_id == state.workspace_id else None
                now = ("active", signature(run)) if run is not None else ("gone",)
                if now != sent or recovered:
                    sent = now
                    self._renew()
                    yield RunEvent(run_id, workspace_id, run, state.polled_at)
                if run is None:
                    return
