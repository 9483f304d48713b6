"""The permission list of every job in the workspace, read as the app from the Permissions API.

`GET /api/2.0/permissions/jobs/{id}` answers for one job, so deciding which jobs a caller may see takes every job's
list: the jobs come from the Jobs API's `jobs/list` (as the app), and their lists are read with bounded concurrency
and kept for GQL_MONITOR_PERMISSIONS_CACHE_SECONDS, one read shared by every caller (a refresh in progress is joined,
not repeated). Throttled reads (429 REQUEST_LIMIT_EXCEEDED) are retried after the API's Retry-After, within a
budget per refresh; a job whose list still cannot be read is recorded as unreadable, and the policy hides it.

Reading a job's permissions takes CAN_MANAGE on it (or ownership): the app's service principal must be a workspace
admin, or every job it cannot manage is unreadable (docs/security.md). The calls are plain HTTPS with the SDK's
credentials (the SDK's own retry would sleep for every 429 past any budget).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

import httpx
from databricks.sdk.core import Config

from gql_monitor.clock import Clock
from gql_monitor.errors import MonitorError
from gql_monitor.principal import APP
from gql_monitor.settings import Settings
from gql_monitor.sources.jobs_api import JobsApi

log = logging.getLogger(__name__)

PrincipalKind = Literal["user", "group", "service_principal"]
_KINDS: tuple[tuple[str, PrincipalKind], ...] = (
    ("user_name", "user"), ("group_name", "group"), ("service_principal_name", "service_principal"),
)
# A read that left jobs unreadable (throttled, the job list down) is tried again sooner than a complete one.
PARTIAL_READ_SECONDS = 30
# Cuts a job list that never ends (a paging bug on either side) rather than reading forever.
MAX_JOB_PAGES = 2000


@dataclass(frozen=True)
class Grant:
    """One entry of a job's access control list: who (lower-cased), and the levels they hold."""

    kind: PrincipalKind
    name: str
    levels: frozenset[str]


@dataclass(frozen=True)
class PermissionLists:
    """What the workspace said about its jobs' permissions at `read_at` (the monitor's clock, epoch seconds)."""

    workspace_id: str
    grants: Mapping[int, tuple[Grant, ...]]
    # Jobs whose list could not be read, by the reason (the API's error code, or UNAVAILABLE).
    unreadable: Mapping[int, str]
    read_at: float
    # True when the job list itself could not be read: no job is known, so none is visible.
    incomplete: bool = False
    retries: int = 0


@dataclass
class _RetryBudget:
    left: int
    used: int = 0

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        self.used += 1
        return True


@dataclass
class ReadCounts:
    """Calls made, for tests and benchmarks: permission reads (each retry counts) and refreshes."""

    permission_reads: int = 0
    refreshes: int = 0


def grants_of(body: Mapping[str, Any]) -> tuple[Grant, ...]:
    out = []
    for entry in body.get("access_control_list") or ():
        if not isinstance(entry, Mapping):
            continue
        for key, kind in _KINDS:
            name = entry.get(key)
            if isinstance(name, str) and name:
                levels = frozenset(
                    str(p.get("permission_level")) for p in entry.get("all_permissions") or ()
                    if isinstance(p, Mapping) and p.get("permission_level")
                )
                out.append(Grant(kind, name.strip().lower(), levels))
                break
    return tuple(out)


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


class JobPermissions:
    def __init__(self, settings: Settings, app_config: Config, jobs_api: JobsApi, clock: Clock,
                 sleep: Callable[[float], Any] = asyncio.sleep) -> None:
        self._settings = settings
        self._config = app_config
        self._jobs_api = jobs_api
        self._clock = clock
        self._sleep = sleep
        self._current: PermissionLists | None = None
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task | None = None
        self.counts = ReadCounts()

    async def lists(self) -> PermissionLists:
        """Every job's list. A fresh read is reused; a stale one (up to one more lifetime) is still answered from
        while a new read runs in the background, so no caller waits for the read after the first; older than that,
        or before any read, callers wait for one read, which callers arriving meanwhile share."""
        current = self._current
        if current is not None:
            age = self._age(current)
            if age < self._lifetime(current):
                return current
            if age < 2 * self._lifetime(current):
                self._refresh_in_background()
                return current
        return await self._read_now()

    async def warm(self) -> None:
        """The first read, before anyone asks (at start-up); a failure is only logged, callers will read again."""
        try:
            await self._read_now()
        except Exception:  # start-up must not fail because the workspace is unwell
            log.warning("the first read of the jobs' permission lists failed", exc_info=True)

    async def _read_now(self) -> PermissionLists:
        seen = self._current
        async with self._lock:
            # Someone else's read finished while this caller waited for the lock: use it.
            if self._current is not seen and self._current is not None:
                return self._current
            current = self._current = await self._read_all()
        return current

    @property
    def current(self) -> PermissionLists | None:
        """The last read, if any."""
        return self._current

    @property
    def refreshing(self) -> bool:
        """A background read is under way."""
        return self._refresh is not None and not self._refresh.done()

    def _refresh_in_background(self) -> None:
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self.warm(), name="permission-lists-refresh")

    def _age(self, lists: PermissionLists) -> float:
        # A clock that went backwards makes a read look infinitely old rather than forever fresh.
        age = self._clock().timestamp() - lists.read_at
        return age if age >= 0 else float("inf")

    def _lifetime(self, lists: PermissionLists) -> float:
        lifetime = self._settings.permissions_cache_seconds
        if lists.unreadable or lists.incomplete:
            lifetime = min(lifetime, PARTIAL_READ_SECONDS)
        return lifetime

    async def _read_all(self) -> PermissionLists:
        self.counts.refreshes += 1
        read_at = self._clock().timestamp()
        workspace_id = await self._jobs_api.home_workspace_id() or ""
        try:
            job_ids = await self._job_ids()
        except MonitorError as exc:
            log.warning("the job list could not be read for permissions: %s", exc)
            return PermissionLists(workspace_id, {}, {}, read_at, incomplete=True)
        if not job_ids:
            log.warning("the app's service principal sees no job in the Jobs API: with job visibility by "
                        "permissions, only full-view callers see jobs")
        try:
            headers = await asyncio.to_thread(self._config.authenticate)
        except Exception as exc:  # the SDK raises the token endpoint's refusal as a plain ValueError
            log.warning("the app's credentials were refused for permission reads: %s", exc)
            return PermissionLists(workspace_id, {}, {job_id: "APP_CREDENTIALS_REFUSED" for job_id in job_ids},
                                   read_at)
        budget = _RetryBudget(self._settings.permissions_retry_budget)
        gate = asyncio.Semaphore(self._settings.permissions_concurrency)
        async with httpx.AsyncClient(base_url=self._settings.host, timeout=30, headers=headers) as client:
            answers = await asyncio.gather(*(self._read_one(client, job_id, gate, budget) for job_id in job_ids))
        grants = {job_id: answer for job_id, answer in zip(job_ids, answers) if isinstance(answer, tuple)}
        unreadable = {job_id: answer for job_id, answer in zip(job_ids, answers) if isinstance(answer, str)}
        if unreadable:
            log.warning("permission lists of %d of %d jobs could not be read (%s); those jobs are hidden",
                        len(unreadable), len(job_ids), ", ".join(sorted(set(unreadable.values()))))
        return PermissionLists(workspace_id, grants, unreadable, read_at, retries=budget.used)

    async def _job_ids(self) -> list[int]:
        ids: list[int] = []
        token = None
        for _ in range(MAX_JOB_PAGES):
            page = await self._jobs_api.list_jobs_page(APP, page_token=token)
            ids += [int(job["job_id"]) for job in page.get("jobs") or () if str(job.get("job_id", "")).isdigit()]
            token = page.get("next_page_token")
            if not token or not page.get("has_more", True):
                break
        return list(dict.fromkeys(ids))

    async def _read_one(self, client: httpx.AsyncClient, job_id: int, gate: asyncio.Semaphore,
                        budget: _RetryBudget) -> tuple[Grant, ...] | str | None:
        """The job's grants; the reason it could not be read; None when it no longer exists."""
        while True:
            async with gate:
                self.counts.permission_reads += 1
                try:
                    response = await client.get(f"/api/2.0/permissions/jobs/{job_id}")
                except httpx.HTTPError as exc:
                    log.warning("permissions of job %s: %s", job_id, exc)
                    return "UNAVAILABLE"
            if response.status_code == 200:
                try:
                    return grants_of(response.json())
                except ValueError:
                    return "UNAVAILABLE"
            if response.status_code == 404:
                return None
            if response.status_code == 429 and budget.take():
                wait = min(_retry_after(response), self._settings.permissions_retry_wait_ms / 1000)
                await self._sleep(wait)
                continue
            return _error_code(response)


def _error_code(response: httpx.Response) -> str:
    try:
        code = response.json().get("error_code")
    except ValueError:
        code = None
    return code if isinstance(code, str) and code.isupper() and len(code) < 64 else f"HTTP_{response.status_code}"
