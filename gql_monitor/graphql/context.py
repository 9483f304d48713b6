"""The per-operation GraphQL context: who is asking, the loaders bound to them, and what the operation cost.

Narrow on purpose: resolvers get loaders (every source, warehouse or Jobs API, is behind one), the principal, the
clocks and the stats, never the process-wide `Services`, so no resolver can call a source around its loaders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import strawberry
from strawberry.fastapi import BaseContext

from gql_monitor.clock import Clock
from gql_monitor.graphql.response_cache import ResponseStore
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.loaders import Loaders, build_loaders
from gql_monitor.principal import Principal
from gql_monitor.questions import Question, Row
from gql_monitor.request_stats import RequestStats
from gql_monitor.services import Services


@dataclass
class Context(BaseContext):
    principal: Principal
    stats: RequestStats
    loaders: Loaders
    # Where default windows end: one reading per operation, rounded down to WINDOW_GRANULARITY so that the same
    # question asked a minute later is the same cache key (the tables lag by more than that anyway).
    now: datetime
    # The monitor's "now" unrounded (Settings.clock), for instants reported as they are (`checkedAt`).
    clock: Clock
    # Whole responses (graphql/response_cache.py); None leaves them uncached.
    responses: ResponseStore | None
    # What the insight rules judge by (settings, GQL_MONITOR_*).
    thresholds: Thresholds = Thresholds()

    def __post_init__(self) -> None:
        super().__init__()



WINDOW_GRANULARITY_SECONDS = 300


def window_clock(at: datetime) -> datetime:
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % WINDOW_GRANULARITY_SECONDS, tz=timezone.utc)


def build_context(services: Services, principal: Principal) -> Context:
    stats = RequestStats()
    now = window_clock(services.clock())

    async def fetch(question: Question) -> list[Row]:
        """The warehouse's answer (cached per data partition) as the caller, counted in this operation's stats."""
        return await services.answers.fetch(question.statement, question.params(), principal, stats)

    loaders = build_loaders(fetch, services.jobs_api, principal, stats, now)
    settings = services.settings
    responses = ResponseStore(services.responses, settings.live_cache_seconds, settings.table_cache_seconds)
    return Context(principal=principal, stats=stats, loaders=loaders, now=now, clock=services.clock,
                   responses=responses, thresholds=Thresholds.from_settings(settings))


Info = strawberry.Info[Context, None]
