"""The process's pollers, one per feed key (credentials × job scope), started by their first subscriber and stopped
when their last one leaves."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import partial
from typing import AsyncIterator

from gql_monitor.clock import Clock
from gql_monitor.principal import Principal
from gql_monitor.subscriptions.poller import ActiveRunsPoller, FeedKey, ForgetRuns, ReadRuns, forget_runs, \
    read_active_runs


class FeedHub:
    def __init__(self, read: ReadRuns, *, interval_seconds: float, clock: Clock, by_permissions: bool,
                 forget: ForgetRuns | None = None) -> None:
        self._read = read
        self._forget = forget
        self._interval = interval_seconds
        self._clock = clock
        # With visibility by permissions the Jobs API is read as the app and cut to each scope (graphql/context.py
        # does the same for queries), so callers of one scope share a poller whatever their own tokens.
        self._as_app = by_permissions
        self._pollers: dict[FeedKey, ActiveRunsPoller] = {}
        # For the tests and for operators: pollers ever started, and the reads and calls of those now stopped.
        self.started = 0
        self.finished_polls = 0
        self.finished_jobs_api_calls = 0

    @classmethod
    def for_jobs_api(cls, jobs_api, *, interval_seconds: float, clock: Clock, by_permissions: bool) -> "FeedHub":
        return cls(partial(read_active_runs, jobs_api), interval_seconds=interval_seconds, clock=clock,
                   by_permissions=by_permissions, forget=partial(forget_runs, jobs_api))

    def reader(self, principal: Principal) -> Principal:
        """Whom the Jobs API is read as for this caller."""
        return replace(principal, token=None) if self._as_app else principal

    def key_for(self, principal: Principal) -> FeedKey:
        return FeedKey(self.reader(principal).partition, principal.scope.key)

    @asynccontextmanager
    async def follow(self, principal: Principal) -> AsyncIterator[ActiveRunsPoller]:
        """The poller of this caller's feed key, joined for the duration of the block."""
        key = self.key_for(principal)
        poller = self._pollers.get(key)
        if poller is None:
            poller = self._pollers[key] = ActiveRunsPoller(key, self._read, self._interval, self._clock,
                                                              self._forget)
            self.started += 1
        token = poller.join(self.reader(principal))
        try:
            yield poller
        finally:
            if poller.leave(token) and self._pollers.get(key) is poller:
                del self._pollers[key]
                self.finished_polls += poller.polls
                self.finished_jobs_api_calls += poller.stats.jobs_api_calls
                # Shielded: this runs while the subscription is being cancelled, and the poller must stop anyway.
                await asyncio.shield(poller.stop())

    def pollers(self) -> dict[FeedKey, int]:
        """Subscribers per running poller."""
        return {key: poller.subscribers for key, poller in self._pollers.items()}

    async def close(self) -> None:
        pollers, self._pollers = list(self._pollers.values()), {}
        for poller in pollers:
            await poller.stop()
