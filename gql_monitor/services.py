"""The long-lived parts of the monitor, built once per process and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from gql_monitor.clock import Clock
from gql_monitor.settings import Settings
from gql_monitor.sources.cache import AnswerCache, CachedWarehouse, MemoryStore
from gql_monitor.sources.credentials import app_config
from gql_monitor.sources.job_permissions import JobPermissions
from gql_monitor.sources.jobs_api import JobsApi
from gql_monitor.sources.warehouse import Warehouse
from gql_monitor.visibility.policy import VisibilityPolicy


# A whole response larger than this is not kept: it would crowd out many small ones for little gain.
RESPONSE_MAX_BYTES = 2_000_000


@dataclass
class Services:
    settings: Settings
    warehouse: Warehouse
    jobs_api: JobsApi
    cache: AnswerCache
    # The warehouse behind the answer cache: what GraphQL resolvers use. Health checks use `warehouse` directly.
    answers: CachedWarehouse
    # Whole GraphQL responses (graphql/response_cache.py), in memory per replica, in the same byte budget.
    responses: AnswerCache
    # Which jobs each caller may see (GQL_MONITOR_JOB_VISIBILITY), from the jobs' permission lists.
    visibility: VisibilityPolicy

    @classmethod
    def build(cls, settings: Settings) -> "Services":
        config = app_config(settings)
        # One memory budget for everything cached in this process: table and live answers (unless Redis holds them)
        # and whole responses share it, least recently used first out.
        memory = MemoryStore(max_bytes=settings.cache_max_bytes, max_entries=settings.cache_max_entries)
        cache = AnswerCache(store=memory, redis_url=settings.redis_url, clock=settings.clock)
        warehouse = Warehouse(settings, app_credentials=lambda: config.authenticate)
        jobs_api = JobsApi(settings, config, cache=cache, ttl_seconds=settings.live_cache_seconds)
        return cls(
            settings=settings,
            warehouse=warehouse,
            jobs_api=jobs_api,
            cache=cache,
            answers=CachedWarehouse(warehouse, cache, settings.table_cache_seconds),
            responses=AnswerCache(store=memory, max_entry_bytes=RESPONSE_MAX_BYTES, clock=settings.clock),
            visibility=VisibilityPolicy(settings, JobPermissions(settings, config, jobs_api, settings.clock)),
        )

    @property
    def clock(self) -> Clock:
        """The monitor's "now" (Settings.clock): an aware UTC datetime per call."""
        return self.settings.clock

    async def warm_up(self) -> None:
        """What the first request would otherwise wait for, done at start-up: with the app's credentials for data
        (service-principal mode), its OAuth token and a warehouse session per worker thread. Never fails start-up: a
        warehouse that is asleep or a refused secret shows in /api/health, and requests retry as they always do."""
        if self.settings.data_access != "service-principal":
            return
        from gql_monitor.principal import APP

        await self.warehouse.open_sessions(APP)

    def close(self) -> None:
        self.warehouse.close()
        self.jobs_api.close()
