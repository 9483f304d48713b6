"""The Jobs API (2.2), through databricks-sdk.

Calls return raw JSON pages rather than the SDK's typed models: one HTTP call per method call (the SDK's list
generators would follow every page), and enum values the SDK does not know yet survive instead of turning into None.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.core import Config

from gql_monitor.errors import BadUserInput, Forbidden, JobsApiUnavailable, MonitorError, RateLimited, Unauthenticated
from gql_monitor.principal import Principal
from gql_monitor.request_stats import RequestStats
from gql_monitor.settings import Settings
from gql_monitor.sources.credentials import user_config
from gql_monitor.sources.error_text import is_oauth_refusal, without_sdk_config

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
USER_CLIENTS = 64
RUNS_PAGE_LIMIT = 25
JOBS_PAGE_LIMIT = 100


class JobsApiRequestRefused(MonitorError):
    """The Jobs API refused, as malformed (HTTP 400), a request the monitor made on its own account.

    That is a bug of the monitor: not the caller's input (BAD_USER_INPUT would send them looking for a mistake they
    did not make) and not an outage (JOBS_API_UNAVAILABLE invites retrying, which gets the same answer). The message
    says what was refused; it holds no secrets, so it is shown rather than masked.
    """

    code = "INTERNAL"


def _api_message(exc: Exception) -> str:
    return without_sdk_config(str(exc)).strip()


def _map_error(exc: Exception, principal: Principal) -> Exception:
    if isinstance(exc, sdk_errors.PermissionDenied):
        return Forbidden(f"The Jobs API refused: {_api_message(exc)}")
    if isinstance(exc, sdk_errors.Unauthenticated):
        return Unauthenticated("The Jobs API did not accept the credentials.")
    if isinstance(exc, sdk_errors.TooManyRequests) or (
        isinstance(exc, TimeoutError) and isinstance(exc.__cause__, sdk_errors.TooManyRequests)
    ):
        return RateLimited("The Jobs API is rate limiting the monitor; live fields are unavailable for now.")
    if principal.token is None and isinstance(exc, ValueError) and is_oauth_refusal(str(exc)):
        # The SDK raises the token endpoint's refusal as a plain ValueError "<error>: <description>".
        # The app's own client id/secret were refused: a deployment problem, not a Jobs API outage.
        return JobsApiUnavailable(f"The workspace did not accept the app's credentials ({str(exc).strip()}).")
    return JobsApiUnavailable("The Jobs API is not answering; live fields are unavailable for now.")


def _refused(path: str, query: dict, exc: sdk_errors.DatabricksError) -> MonitorError:
    """What a 400 other than "does not exist" means, by what was asked."""
    message = str(exc)
    if query.get("page_token") and "page token" in message.lower():
        # Page tokens reach the API from caller-held cursors (activeRuns), which a caller can edit.
        return BadUserInput("The cursor is not valid: the Jobs API did not accept its page token.")
    log.error("the Jobs API refused %s %s: %s", path, query, message)
    if path.endswith("/runs/get-output") and "individual task run" in message:
        return JobsApiRequestRefused(
            f"Internal error: the monitor asked the Jobs API for the output of run {query.get('run_id')}, which has "
            "several tasks; the API gives output only for each task run."
        )
    return JobsApiRequestRefused(f"Internal error: the Jobs API refused a request of the monitor: {message}")


class JobsApi:
    def __init__(self, settings: Settings, app_config: Config, cache=None, ttl_seconds: int = 10) -> None:
        self._settings = settings
        # Live answers are cached for seconds only: long enough to absorb a burst of identical page loads.
        self._cache = cache
        self._ttl = ttl_seconds
        self._app_client = WorkspaceClient(config=app_config)
        self._user_clients: OrderedDict[str, WorkspaceClient] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(settings.jobs_api_concurrency, thread_name_prefix="jobs-api")
        self._semaphore = asyncio.Semaphore(settings.jobs_api_concurrency)

    async def home_workspace_id(self) -> str | None:
        """The workspace this Jobs API serves (from DATABRICKS_WORKSPACE_ID or the host's metadata)."""
        return self._app_client.config.workspace_id

    # -- the questions ---------------------------------------------------------------------------------------------

    async def get_run(self, run_id: int, principal: Principal, stats: RequestStats | None = None) -> JsonObject | None:
        return await self._get("/api/2.2/jobs/runs/get", {"run_id": run_id}, principal, stats)

    async def forget_run(self, run_id: int, principal: Principal) -> None:
        """Drops the cached runs/get answer of a run whose state is known to have changed (the subscriptions' poller
        saw it change or end), so the next `live` field reads its new state rather than one up to
        GQL_MONITOR_LIVE_CACHE_SECONDS old."""
        if self._cache is not None:
            from gql_monitor.sources.cache import cache_key

            await self._cache.forget(cache_key(principal.partition, "/api/2.2/jobs/runs/get", {"run_id": run_id}))

    async def get_run_output(
        self, run_id: int, principal: Principal, stats: RequestStats | None = None
    ) -> JsonObject | None:
        return await self._get("/api/2.2/jobs/runs/get-output", {"run_id": run_id}, principal, stats)

    async def get_job(self, job_id: int, principal: Principal, stats: RequestStats | None = None) -> JsonObject | None:
        return await self._get("/api/2.2/jobs/get", {"job_id": job_id}, principal, stats)

    async def list_runs_page(
        self,
        principal: Principal,
        *,
        job_id: int | None = None,
        active_only: bool = False,
        page_token: str | None = None,
        limit: int = RUNS_PAGE_LIMIT,
        stats: RequestStats | None = None,
        fresh: bool = False,
    ) -> JsonObject:
        """`fresh`: ask the API even when the live cache holds this page, and keep the answer there for the next
        reader (the subscriptions' pollers: a poll answered from the cache would see nothing new)."""
        query: dict[str, Any] = {"limit": min(limit, RUNS_PAGE_LIMIT)}
        if job_id is not None:
            query["job_id"] = job_id
        if active_only:
            query["active_only"] = "true"
        if page_token:
            query["page_token"] = page_token
        # A job that no longer exists has no runs, rather than an error (the API may say "Job ... does not exist").
        return await self._get("/api/2.2/jobs/runs/list", query, principal, stats, refresh=fresh) or {}

    async def list_jobs_page(
        self, principal: Principal, *, page_token: str | None = None, limit: int = JOBS_PAGE_LIMIT,
        stats: RequestStats | None = None,
    ) -> JsonObject:
        query: dict[str, Any] = {"limit": min(limit, JOBS_PAGE_LIMIT)}
        if page_token:
            query["page_token"] = page_token
        return await self._get("/api/2.2/jobs/list", query, principal, stats) or {}

    async def current_user(self, token: str, stats: RequestStats | None = None) -> JsonObject:
        """SCIM Me for a token: validates it and says whom it belongs to."""
        return await self._get(
            "/api/2.0/preview/scim/v2/Me", {}, Principal("token-check", token), stats, cacheable=False
        ) or {}

    # -- plumbing --------------------------------------------------------------------------------------------------

    async def _get(
        self, path: str, query: dict, principal: Principal, stats: RequestStats | None, cacheable: bool = True,
        refresh: bool = False,
    ) -> JsonObject | None:
        """One call; None when the API says what was asked for does not exist."""
        try:
            return await self._call(path, query, principal, stats, cacheable, refresh)
        except _NotFound:
            return None

    async def _call(
        self, path: str, query: dict, principal: Principal, stats: RequestStats | None, cacheable: bool = True,
        refresh: bool = False,
    ) -> JsonObject:
        if stats is not None:
            stats.used_live_answers = True

        async def call() -> JsonObject:
            if stats is not None:
                stats.jobs_api_calls += 1
            async with self._semaphore:
                loop = asyncio.get_running_loop()
                try:
                    return await loop.run_in_executor(self._executor, self._timed_do, path, query, principal, stats)
                except _NotFound:
                    return _NOT_FOUND

        # A lifetime of 0 turns caching off (a store may read ttl=0 as "never expires", as aiocache's Redis does).
        if self._cache is not None and cacheable and self._ttl > 0 and refresh:
            from gql_monitor.sources.cache import cache_key

            result = await call()
            await self._cache.put(cache_key(principal.partition, path, query), result, self._ttl)
        elif self._cache is not None and cacheable and self._ttl > 0:
            from gql_monitor.sources.cache import cache_key

            result = await self._cache.get_or_compute(
                cache_key(principal.partition, path, query), self._ttl, call, stats
            )
        else:
            result = await call()
        if result is _NOT_FOUND or result == _NOT_FOUND:
            raise _NotFound()
        return result

    def _timed_do(self, path: str, query: dict, principal: Principal, stats: RequestStats | None) -> JsonObject:
        with stats.source_call() if stats is not None else nullcontext():
            return self._do(path, query, principal)

    def _do(self, path: str, query: dict, principal: Principal) -> JsonObject:
        client = self._client(principal)
        try:
            return client.api_client.do("GET", path, query=query)
        except (sdk_errors.ResourceDoesNotExist, sdk_errors.NotFound) as exc:
            raise _NotFound() from exc
        except sdk_errors.BadRequest as exc:
            # jobs/get and runs/get answer 400 for ids that do not exist; the SDK maps only some message shapes.
            if "does not exist" in str(exc):
                raise _NotFound() from exc
            raise _refused(path, query, exc) from exc
        except Exception as exc:
            mapped = _map_error(exc, principal)
            log.warning("Jobs API %s failed: %s", path, exc)
            raise mapped from exc

    def _client(self, principal: Principal) -> WorkspaceClient:
        if principal.token is None:
            return self._app_client
        key = principal.credential_key
        with self._lock:
            client = self._user_clients.get(key)
            if client is not None:
                self._user_clients.move_to_end(key)
                return client
        client = WorkspaceClient(config=user_config(self._settings, principal.token))
        with self._lock:
            self._user_clients[key] = client
            while len(self._user_clients) > USER_CLIENTS:
                self._user_clients.popitem(last=False)
        return client

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class _NotFound(Exception):
    pass


# A cacheable stand-in for "does not exist" (exceptions are not cached; a known-missing run is worth remembering).
_NOT_FOUND = {"__not_found__": True}
