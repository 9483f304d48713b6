"""The Permissions API for jobs, `GET /api/2.0/permissions/jobs/{job_id}`, as Databricks answers it.

A job's access control list: its owner as IS_OWNER (the user or service principal workspace_state.job_grants makes
IS_OWNER, else its creator; a `service_principal_name` for a service principal), every user its ACL names
(workspace_state.job_acl) with CAN_VIEW, every other grant in job_grants with its level (`group_name`, `user_name` or
`service_principal_name`), one entry per principal at its highest level, and the `admins` group's CAN_MANAGE,
inherited from the workspace's jobs root. Reading it takes CAN_MANAGE or ownership: workspace admins and the service
principal `local-sp` may read every job's list, anyone else only the lists of the jobs they own. Permission reads
have their own throttle in Databricks (`GetUserPermissionsRequest RPC token bucket limit`), here the fault setting
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


KEYS = {"user": "user_name", "group": "group_name", "service_principal": "service_principal_name"}
# A principal holds one direct level on a job; the API shows the highest it was given.
RANK = {"CAN_VIEW": 0, "CAN_MANAGE_RUN": 1, "CAN_MANAGE": 2, "IS_OWNER": 3}


def _creator_kind(name: str) -> str:
    # Users are e-mail addresses; a service principal is named by its application id.
    return "user" if "@" in name else "service_principal"


def job_permissions(state: WorkspaceState, who: Identity, raw_id: str) -> dict:
    if not raw_id.isdigit() or len(raw_id) > 19:
        raise _Refused(400, "INVALID_PARAMETER_VALUE", f"'{raw_id[:40]}' is not a valid job ID.")
    job_id = int(raw_id)
    cur = state.cursor()
    row = cur.execute("SELECT creator_user_name FROM workspace_state.jobs WHERE job_id = ?", [job_id]).fetchone()
    if row is None:
        raise _Refused(404, "RESOURCE_DOES_NOT_EXIST", f"Job {job_id} does not exist.")
    grants = cur.execute(
        "SELECT principal_kind, principal_name, permission_level FROM workspace_state.job_grants WHERE job_id = ? "
        "ORDER BY principal_kind, principal_name", [job_id]).fetchall()
    owners = [(kind, name) for kind, name, level in grants if level == "IS_OWNER"]
    creator = row[0]
    owner = owners[0] if owners else ((_creator_kind(creator), creator) if creator else None)
    if not who.is_admin and (owner is None or owner[1].lower() != who.user_name.lower()):
        raise _Refused(403, "PERMISSION_DENIED",
                       f"User {who.user_name} does not have Manage permissions on Job with id {job_id}.")
    levels: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, name as compared) -> (name, level)

    def give(kind: str, name: str, level: str) -> None:
        key = (kind, name.lower() if kind != "group" else name)
        if key not in levels or RANK.get(level, -1) > RANK.get(levels[key][1], -1):
            levels[key] = (name, level)

    if owner is not None:
        give(owner[0], owner[1], "IS_OWNER")
    for (name,) in cur.execute(
            "SELECT DISTINCT user_name FROM workspace_state.job_acl WHERE job_id = ? ORDER BY user_name", [job_id]
    ).fetchall():
        if name:
            give(_creator_kind(name), name, "CAN_VIEW")
    for kind, name, level in grants:
        if level != "IS_OWNER" and kind in KEYS:
            give(kind, name, level)
    # A stable order: the owner first, then by level, highest first, then by kind and name.
    ordered = sorted(levels.items(), key=lambda item: (-RANK.get(item[1][1], -1), item[0][0], item[0][1]))
    acl = [{KEYS[kind]: name, "all_permissions": [{"permission_level": level, "inherited": False}]}
           for (kind, _), (name, level) in ordered]
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
