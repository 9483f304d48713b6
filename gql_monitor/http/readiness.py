"""`/api/ready`: has the monitor finished starting?

Liveness is `/api/health` (the sources' state, answered at once). Readiness is whether start-up work that the first
request would otherwise wait for is done (services.warm_up: the app's token and warehouse sessions); a deployment can
hold traffic back until it says "ready". It turns ready when that work ends, whether or not it succeeded: a source
that is down is /api/health's to report, and waiting for it would hold the monitor back for nothing.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


class Readiness:
    def __init__(self) -> None:
        self._done = asyncio.Event()

    def mark_ready(self) -> None:
        self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set()


@router.get("/api/ready")
async def ready(request: Request) -> JSONResponse:
    readiness: Readiness = request.app.state.readiness
    if readiness.ready:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "starting"}, status_code=503, headers={"Retry-After": "1"})
