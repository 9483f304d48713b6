"""The per-operation GraphQL context: who is asking, the loaders bound to them, and what the operation cost.

Narrow on purpose: resolvers get loaders (every source, warehouse or Jobs API, is behind one), the principal, the
clocks and the stats, never the process-wide `Services`, so no resolver can call a source around its loaders."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import strawberry
from strawberry.fastapi import BaseContext

from gql_monitor.clock import Clock
from gql_monitor.graphql.response_cache import ResponseSlot, ResponseStore
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.loaders import Loaders, build_loaders
from gql_monitor.principal import Principal
from gql_monitor.questions import Question, Row
from gql_monitor.request_stats import RequestStats
from gql_monitor.services import Services
from gql_monitor.sources.sql_files import is_scoped

if TYPE_CHECKING:
    from gql_monitor.subscriptions.feeds import LiveFeeds


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
    # The deployment's visibility policy (GQL_MONITOR_JOB_VISIBILITY); the caller's scope is `principal.scope`.
    job_visibility: str = "all"
    # Subscriptions only (gql_monitor/subscriptions/): the caller's live feeds; None for queries.
    feeds: "LiveFeeds | None" = None

    def __post_init__(self) -> None:
        super().__init__()



WINDOW_GRANULARITY_SECONDS = 300


def window_clock(at: datetime) -> datetime:
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % WINDOW_GRANULARITY_SECONDS, tz=timezone.utc)


def build_context(services: Services, principal: Principal, response_slot: ResponseSlot | None = None) -> Context:
    stats = RequestStats()
    now = window_clock(services.clock())

    async def fetch(question: Question) -> list[Row]:
        """The warehouse's answer (cached per data partition) as the caller, cut to the jobs they may see, counted
        in this operation's stats. The scope is the caller's, like their credentials, so it is added here rather
        than carried by every question."""
        params = question.params()
        if is_scoped(question.statement):
            params = {**params, **principal.scope.params()}
        return await services.answers.fetch(question.statement, params, principal, stats)

    # With `permissions` visibility the Jobs API is called as the app (an App's user token has no `jobs` scope),
    # and its answers are cut to the caller's scope in the loaders instead.
    live = replace(principal, token=None) if services.visibility.by_permissions else principal
    loaders = build_loaders(fetch, services.jobs_api, live, stats, now)
    settings = services.settings
    responses = ResponseStore(services.responses, settings.live_cache_seconds, settings.table_cache_seconds,
                              response_slot)
    return Context(principal=principal, stats=stats, loaders=loaders, now=now, clock=services.clock,
                   responses=responses, thresholds=Thresholds.from_settings(settings),
                   job_visibility=settings.job_visibility)


Info = strawberry.Info[Context, None]
