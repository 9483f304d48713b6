"""One poller per visibility scope: it reads every active run the scope may see, every interval, and keeps the
latest read as a numbered state that subscribers wait on.

However many subscribers a scope has, the Jobs API sees one read per interval for it (a read is one call per page of
25 active runs). A new state is made only when something a subscriber would be sent changed (changes.py), or the
read started or stopped failing, so a quiet workspace costs subscribers nothing. Subscribers never queue messages:
each compares the latest state with the one it last reported, so a slow one skips intermediate states instead of
piling them up.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Awaitable, Callable, Iterable, Mapping

from gql_monitor.clock import Clock
from gql_monitor.errors import MonitorError
from gql_monitor.principal import Principal
from gql_monitor.request_stats import RequestStats
from gql_monitor.sources.jobs_api import RUNS_PAGE_LIMIT
from gql_monitor.subscriptions.changes import RunChanges, changes

log = logging.getLogger(__name__)

# A read follows at most this many pages of active runs (25 each: 250 runs, ten Jobs API calls); past them `complete`
# is false. Bounds what one read costs and what one message may list (graphql/query_cost.py ACTIVE_RUNS_PER_READ).
MAX_PAGES = 10
MAX_RUNS = MAX_PAGES * RUNS_PAGE_LIMIT
FAILED_MESSAGE = "Internal error while reading the active runs; it has been logged."


@dataclass(frozen=True)
class FeedKey:
    """Whose answers a poller's subscribers may share: the credentials the Jobs API is read with (`app`, or
    `user:<name>` when each user's own token reads it) and the jobs they may see (`JobScope.key`)."""

    partition: str
    scope: str


@dataclass(frozen=True)
class Read:
    runs: Mapping[int, Mapping[str, Any]]
    workspace_id: str
    complete: bool


@dataclass(frozen=True)
class ActiveRunsState:
    """The poller's latest state. `runs` are those of the last successful read (read-only, never mutated), in the
    API's order; `error` says the latest read failed, and is None once one succeeds again."""

    version: int
    runs: Mapping[int, Mapping[str, Any]]
    workspace_id: str
    polled_at: datetime
    complete: bool
    error: MonitorError | None = field(default=None, compare=False)


ReadRuns = Callable[[Principal, RequestStats], Awaitable[Read]]
# Drops what the live cache holds of runs whose state changed (JobsApi.forget_run), so a message's `live` fields are
# read fresh, not as the run was before it changed.
ForgetRuns = Callable[[Principal, Iterable[int]], Awaitable[None]]


async def read_active_runs(jobs_api, principal: Principal, stats: RequestStats) -> Read:
    """Every active run `principal` may see, page by page (fresh reads: a poll must not be answered by the live
    cache, which it refreshes for the queries instead)."""
    runs: dict[int, Mapping[str, Any]] = {}
    token = None
    for _ in range(MAX_PAGES):
        page = await jobs_api.list_runs_page(principal, active_only=True, page_token=token, limit=RUNS_PAGE_LIMIT,
                                             stats=stats, fresh=True)
        for run in page.get("runs") or ():
            if isinstance(run, dict) and isinstance(run.get("run_id"), int):
                runs.setdefault(run["run_id"], run)
        token = page.get("next_page_token")
        if not token:
            break
    workspace_id = await jobs_api.home_workspace_id() or ""
    if not principal.scope.full:
        # As for `activeRuns`: the app's answer cut to the caller's jobs (loaders/__init__.py `_active_runs`).
        runs = {run_id: run for run_id, run in runs.items()
                if principal.scope.allows_job(workspace_id, run.get("job_id"))}
    return Read(MappingProxyType(runs), workspace_id, complete=not token)


async def forget_runs(jobs_api, principal: Principal, run_ids: Iterable[int]) -> None:
    for run_id in run_ids:
        await jobs_api.forget_run(run_id, principal)


class ActiveRunsPoller:
    def __init__(self, key: FeedKey, read: ReadRuns, interval_seconds: float, clock: Clock,
                 forget: ForgetRuns | None = None) -> None:
        self.key = key
        self._read = read
        self._forget = forget
        self._interval = interval_seconds
        self._clock = clock
        # Each subscriber's principal, latest last: reads use the newest subscriber's credentials, so a user whose
        # earlier connection holds an expired token still gets reads made with their fresh one.
        self._subscribers: dict[object, Principal] = {}
        self._state: ActiveRunsState | None = None
        self._changed = asyncio.Condition()
        self._changes: dict[tuple[int, int], RunChanges] = {}
        self._task: asyncio.Task | None = None
        # What this poller cost, for `extensions`-like reporting and the tests: reads made, Jobs API calls sent.
        self.polls = 0
        self.stats = RequestStats()

    # -- subscribers ----------------------------------------------------------------------------------------------

    def join(self, principal: Principal) -> object:
        token = object()
        self._subscribers[token] = principal
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"active-runs-poller {self.key.scope}")
        return token

    def leave(self, token: object) -> bool:
        """True when that was the last subscriber (the hub then stops the poller)."""
        self._subscribers.pop(token, None)
        return not self._subscribers

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def newer_than(self, version: int) -> ActiveRunsState:
        """The first state after `version` (0: the first read), waiting for it."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._state is not None and self._state.version > version)
            assert self._state is not None
            return self._state

    def changes(self, before: ActiveRunsState, after: ActiveRunsState) -> RunChanges:
        """What changed between two states' runs, computed once for all the subscribers that saw `before`."""
        key = (before.version, after.version)
        known = self._changes.get(key)
        if known is None:
            known = self._changes[key] = changes(before.runs, after.runs)
        return known

    # -- polling --------------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await self.poll_once()
            # Elapsed time, on the loop's monotonic clock: an interval, not an instant.
            await asyncio.sleep(self._interval)

    async def poll_once(self) -> None:
        principal = next(reversed(self._subscribers.values()), None)
        if principal is None:
            return
        self.polls += 1
        read: Read | None = None
        error: MonitorError | None = None
        try:
            read = await self._read(principal, self.stats)
        except MonitorError as exc:
            error = exc
        except Exception:
            log.exception("reading the active runs for subscriptions failed")
            error = MonitorError(FAILED_MESSAGE)
        previous = self._state
        if read is not None and previous is not None and self._forget is not None:
            diff = changes(previous.runs, read.runs)
            if diff.updated or diff.ended:
                await self._forget(principal, diff.updated + diff.ended)
        await self._publish(read, error)

    async def _publish(self, read: Read | None, error: MonitorError | None) -> None:
        previous = self._state
        polled_at = self._clock()
        if previous is None:
            state = ActiveRunsState(1, read.runs if read else MappingProxyType({}), read.workspace_id if read else "",
                                    polled_at, read.complete if read else False, error)
        elif read is not None:
            runs_changed = bool(changes(previous.runs, read.runs)) or previous.complete != read.complete
            if not runs_changed and previous.error is None:
                return  # nothing a subscriber would be sent
            state = ActiveRunsState(previous.version + 1, read.runs, read.workspace_id, polled_at, read.complete)
        else:
            if previous.error is not None and previous.error.code == error.code:
                return  # still failing the same way: said once already
            state = replace(previous, version=previous.version + 1, polled_at=polled_at, error=error)
        async with self._changed:
            self._state = state
            self._changes.clear()
            self._changed.notify_all()
