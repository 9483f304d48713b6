"""`/api/health`: can the monitor reach both sources, and how fresh are the system tables?

Anyone may ask, without a token, and load balancers ask often; so the sources are never checked per call. A
HealthCheck holds the last state: the app's lifespan refreshes it in the background every interval
(`GQL_MONITOR_HEALTH_REFRESH_SECONDS`), a call that finds it older than that (5 s while a source fails) starts one
refresh (at most one per interval) and is answered from the last state at once, and only calls before the first
check ever finished wait for it. A failing source is described by its code and a fixed phrase: the upstream text
(which can name the app's client id or the OAuth error) goes to the server log, not to anonymous callers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gql_monitor import __version__
from gql_monitor.errors import MonitorError, Unauthenticated
from gql_monitor.questions.data_freshness import FreshnessQuery
from gql_monitor.principal import APP
from gql_monitor.services import Services
from gql_monitor.sources.error_text import is_oauth_refusal

log = logging.getLogger(__name__)
router = APIRouter()
# While a source fails, a call looks again after this long rather than the interval, so recovery shows within seconds.
DEGRADED_REFRESH_SECONDS = 5
CREDENTIALS_REJECTED = "credentials rejected"
# What an anonymous caller is told, by code; the details are in the server log.
PUBLIC_MESSAGES = {
    "UNAUTHENTICATED": CREDENTIALS_REJECTED,
    "FORBIDDEN": "permission denied (the server log names the missing grant)",
    "WAREHOUSE_UNAVAILABLE": "not answering",
    "JOBS_API_UNAVAILABLE": "not answering",
    "RATE_LIMITED": "rate limited",
}

Snapshot = tuple[dict, int]


class HealthCheck:
    """The sources' last known state, refreshed at most once per interval however many callers ask."""

    def __init__(self, probe: Callable[[], Awaitable[Snapshot]], *, interval_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._interval = interval_seconds
        self._clock = clock
        self._latest: Snapshot | None = None
        self._taken_at = 0.0
        self._started_at: float | None = None
        self._running: asyncio.Task | None = None

    async def current(self) -> Snapshot:
        """The last state, with `ageSeconds`: how long ago its check finished (a refresh may be running)."""
        self._refresh_if_due(self._due_after())
        if self._latest is None:
            await asyncio.shield(self._running)
        body, status = self._latest
        return {**body, "ageSeconds": round(max(0.0, self._clock() - self._taken_at), 1)}, status

    async def settled(self) -> None:
        """Wait for a refresh in progress, if any."""
        if self._running is not None:
            await asyncio.shield(self._running)

    async def run(self) -> None:
        """The background refresh, for the app's lifespan (cancelled when it ends)."""
        while True:
            self._refresh_if_due(self._interval)
            await self.settled()
            await asyncio.sleep(max(1.0, self._started_at + self._interval - self._clock()))

    def _due_after(self) -> float:
        """How old a state callers accept: while a source fails, a caller's look sooner shows recovery sooner."""
        degraded = self._latest is not None and self._latest[1] != 200
        return min(self._interval, DEGRADED_REFRESH_SECONDS) if degraded else self._interval

    def _refresh_if_due(self, due_after: float) -> None:
        if self._running is not None and not self._running.done():
            return
        now = self._clock()
        if self._started_at is not None and now - self._started_at < due_after:
            return
        self._started_at = now
        self._running = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        try:
            latest = await self._probe()
        except Exception:  # the probe reports source failures itself; this is a bug, and must not stop the loop
            log.exception("the health check failed")
            latest = ({"status": "degraded", "version": __version__, "sources": {}, "freshness": {}}, 503)
        self._latest, self._taken_at = latest, self._clock()


def for_services(services: Services) -> HealthCheck:
    logged: dict[str, str] = {}

    async def probe() -> Snapshot:
        return await probe_sources(services, logged)

    return HealthCheck(probe, interval_seconds=services.settings.health_refresh_seconds)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value is not None else None


def _credentials_rejected(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):  # the chain from our error through the connector's or SDK's to the HTTP client's
        if seen is None:
            return False
        if isinstance(seen, Unauthenticated) or is_oauth_refusal(str(seen)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _source_state(name: str, outcome: object, logged: dict[str, str]) -> dict:
    if not isinstance(outcome, BaseException):
        logged.pop(name, None)
        return {"ok": True}
    if _credentials_rejected(outcome):
        code = "UNAUTHENTICATED"
    else:
        code = outcome.code if isinstance(outcome, MonitorError) else "INTERNAL"
    # Logged when a source starts failing or fails differently, not on every refresh.
    detail = f"{type(outcome).__name__}: {outcome}"
    if logged.get(name) != detail:
        logged[name] = detail
        log.warning("health: %s is failing (%s): %s", name, code, detail, exc_info=code == "INTERNAL")
    return {"ok": False, "error": {"code": code, "message": PUBLIC_MESSAGES.get(code, "unexpected error")}}


async def _freshness(services: Services, checked_at: datetime) -> dict:
    question = FreshnessQuery(checked_at)
    return FreshnessQuery.answer(await services.warehouse.fetch(question.statement, question.params(), APP))


async def probe_sources(services: Services, logged: dict[str, str]) -> Snapshot:
    checked_at = services.clock()
    freshness, jobs = await asyncio.gather(
        _freshness(services, checked_at),
        services.jobs_api.list_jobs_page(APP, limit=1),
        return_exceptions=True,
    )
    row = freshness if isinstance(freshness, dict) else {}
    healthy = not isinstance(freshness, BaseException) and not isinstance(jobs, BaseException)
    body = {
        "status": "ok" if healthy else "degraded",
        "version": __version__,
        "sources": {"warehouse": _source_state("warehouse", freshness, logged),
                    "jobsApi": _source_state("jobsApi", jobs, logged)},
        "freshness": {
            "checkedAt": _iso(checked_at),
            "latestRunPeriodEndTime": _iso(row.get("latest_period_end_time")),
            "latestUsageEndTime": _iso(row.get("latest_usage_end_time")),
        },
    }
    return body, 200 if healthy else 503


@router.get("/api/health")
async def health(request: Request) -> JSONResponse:
    body, status = await request.app.state.health.current()
    return JSONResponse(body, status_code=status)
