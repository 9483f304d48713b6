"""The per-operation GraphQL context: who is asking, the loaders bound to them, and what the operation cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial

import strawberry
from strawberry.fastapi import BaseContext

from gql_monitor.loaders import Loaders, build_loaders
from gql_monitor.principal import Principal
from gql_monitor.request_stats import RequestStats
from gql_monitor.services import Services


@dataclass
class Context(BaseContext):
    services: Services
    principal: Principal
    stats: RequestStats
    loaders: Loaders
    # Where default windows end: one reading per operation, rounded down to WINDOW_GRANULARITY so that the same
    # question asked a minute later is the same cache key (the tables lag by more than that anyway).
    now: datetime

    def __post_init__(self) -> None:
        super().__init__()

    async def fetch(self, name: str, params: dict) -> list[dict]:
        return await self.services.answers.fetch(name, params, self.principal, self.stats)


WINDOW_GRANULARITY_SECONDS = 300


def window_clock(at: datetime) -> datetime:
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % WINDOW_GRANULARITY_SECONDS, tz=timezone.utc)


def build_context(services: Services, principal: Principal) -> Context:
    stats = RequestStats()
    now = window_clock(services.clock())
    fetch = partial(_fetch, services, principal, stats)
    loaders = build_loaders(fetch, services.jobs_api, principal, stats, now)
    return Context(services=services, principal=principal, stats=stats, loaders=loaders, now=now)


async def _fetch(services: Services, principal: Principal, stats: RequestStats, name: str, params: dict):
    return await services.answers.fetch(name, params, principal, stats)


Info = strawberry.Info[Context, None]
