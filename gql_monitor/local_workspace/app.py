"""The stand-in as one ASGI app: SQL warehouse, Jobs API, identity endpoints and the fault switchboard."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gql_monitor.local_workspace import auth_routes, jobs_rest, permissions_rest, warehouse
from gql_monitor.local_workspace.state import WorkspaceState


def _fault_routes(state: WorkspaceState) -> list[Route]:
    async def faults(request: Request) -> JSONResponse:
        if request.client is None or not request.client.host.startswith("127."):
            return JSONResponse({"error_code": "PERMISSION_DENIED", "message": "loopback only"}, status_code=403)
        if request.method == "POST":
            try:
                changes = json.loads(await request.body() or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("body must be a JSON object")
                state.faults.update(changes)
            except ValueError as exc:
                return JSONResponse({"error_code": "INVALID_PARAMETER_VALUE", "message": str(exc)}, status_code=400)
        return JSONResponse(state.faults.as_dict())

    return [Route("/_local/faults", faults, methods=["GET", "POST"])]


def build_app(state: WorkspaceState) -> Starlette:
    routes = [
        *auth_routes.routes(state),
        *warehouse.routes(state),
        *jobs_rest.routes(state),
        *permissions_rest.routes(state),
        *_fault_routes(state),
    ]
    app = Starlette(routes=routes)
    app.state.workspace = state
    return app
