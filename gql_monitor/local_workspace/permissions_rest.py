"""The Permissions API for jobs, `GET /api/2.0/permissions/jobs/{job_id}`, as Databricks answers it.

A job's access control list: its creator as IS_OWNER (a `service_principal_name` when a service principal created
it), every user its ACL names (workspace_state.job_acl) with CAN_VIEW, and the `admins` group's CAN_MANAGE,
inherited from the workspace's jobs root. Reading it takes CAN_MANAGE or ownership: workspace admins and the service
principal may read every job's list, a user only the lists of the jobs they own. Permission reads have their own
throttle in Databricks (`GetUserPermissionsRequest RPC token bucket limit`), here the fault setting
`permissions_api_429_rate`.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gql_monitor.local_workspace.auth_routes import authenticate, databricks_error, unauthenticated
from gql_monitor.local_workspace.identities import Identity
from gql_monitor.local_workspace.state import WorkspaceState

THROTTLED = "GetUserPermissionsRequest RPC token bucket limit has been exceeded."


class _Refused(Exception):
    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message


def _principal(name: str) -> dict:
    # Users are e-mail addresses; a service principal is named by its application id.
    return {"user_name": name} if "@" in name else {"service_principal_name": name}


def job_permissions(state: WorkspaceState, who: Identity, raw_id: str) -> dict:
    if not raw_id.isdigit() or len(raw_id) > 19:
        raise _Refused(400, "INVALID_PARAMETER_VALUE", f"'{raw_id[:40]}' is not a valid job ID.")
    job_id = int(raw_id)
    cur = state.cursor()
    row = cur.execute("SELECT creator_user_name FROM workspace_state.jobs WHERE job_id = ?", [job_id]).fetchone()
    if row is None:
        raise _Refused(404, "RESOURCE_DOES_NOT_EXIST", f"Job {job_id} does not exist.")
    owner = row[0]
    if not who.is_admin and (owner or "").lower() != who.user_name.lower():
        raise _Refused(403, "PERMISSION_DENIED",
                       f"User {who.user_name} does not have Manage permissions on Job with id {job_id}.")
    viewers = [name for (name,) in cur.execute(
        "SELECT DISTINCT user_name FROM workspace_state.job_acl WHERE job_id = ? ORDER BY user_name", [job_id]
    ).fetchall() if name and (owner or "").lower() != name.lower()]
    acl = []
    if owner:
        acl.append({**_principal(owner), "all_permissions": [{"permission_level": "IS_OWNER", "inherited": False}]})
    acl += [{**_principal(name), "all_permissions": [{"permission_level": "CAN_VIEW", "inherited": False}]}
            for name in viewers]
    acl.append({"group_name": "admins", "all_permissions": [
        {"permission_level": "CAN_MANAGE", "inherited": True, "inherited_from_object": ["/jobs/"]}]})
    return {"object_id": f"/jobs/{job_id}", "object_type": "job", "access_control_list": acl}


def routes(state: WorkspaceState) -> list[Route]:
    async def endpoint(request: Request) -> JSONResponse:
        who = authenticate(state, request)
        if who is None:
            return unauthenticated()
        faults = state.faults
        if faults.roll(faults.permissions_api_429_rate):
            faults.note("permissions_api_429")
            response = databricks_error(429, "REQUEST_LIMIT_EXCEEDED", THROTTLED)
            response.headers["Retry-After"] = "1"
            return response
        try:
            body = await run_in_threadpool(job_permissions, state, who, request.path_params["job_id"])
        except _Refused as refused:
            return databricks_error(refused.status, refused.error_code, refused.message)
        return JSONResponse(body)

    return [Route("/api/2.0/permissions/jobs/{job_id}", endpoint, methods=["GET"])]
