"""`/api/health`: can the monitor reach both sources, and how fresh are the system tables?"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gql_monitor.errors import MonitorError
from gql_monitor.principal import APP
from gql_monitor.services import Services

router = APIRouter()
FRESHNESS_LOOKBACK = timedelta(days=31)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value is not None else None


def _source_state(outcome: object) -> dict:
    if isinstance(outcome, BaseException):
        code = outcome.code if isinstance(outcome, MonitorError) else "INTERNAL"
        message = str(outcome) if isinstance(outcome, MonitorError) else "unexpected error"
        return {"ok": False, "error": {"code": code, "message": message}}
    return {"ok": True}


@router.get("/api/health")
async def health(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    checked_at = services.clock()
    freshness, jobs = await asyncio.gather(
        services.warehouse.fetch("data_freshness", {"since": checked_at - FRESHNESS_LOOKBACK}, APP),
        services.jobs_api.list_jobs_page(APP, limit=1),
        return_exceptions=True,
    )
    row = freshness[0] if isinstance(freshness, list) and freshness else {}
    healthy = not isinstance(freshness, BaseException) and not isinstance(jobs, BaseException)
    body = {
        "status": "ok" if healthy else "degraded",
        "sources": {"warehouse": _source_state(freshness), "jobsApi": _source_state(jobs)},
        "freshness": {
            "checkedAt": _iso(checked_at),
            "latestRunPeriodEndTime": _iso(row.get("latest_period_end_time")),
            "latestUsageEndTime": _iso(row.get("latest_usage_end_time")),
        },
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
