"""Who may call the stand-in, and what each caller may see.

The static tokens and the OAuth M2M clients (docs/local-workspace.md, "Callers"), each a different reach:
`local-admin` reads every system table and sees every job; `local-analyst` may use the warehouse but holds no grant
on the system tables and sees only the jobs whose ACL names them; `local-team` sees the jobs granted to its group
`data-eng`, `local-owner` the jobs it owns, `local-finops` (group `finops`) and `local-nobody` no job at all. The
service principal `local-sp` has the admin's reach; `local-sp-limited` is no admin and holds no grant, so its jobs
list is empty and its Permissions API reads are refused. Job visibility itself is decided in jobs_rest.py from
these facts and the workspace's grant tables; `groups` is what SCIM `Me` reports (every identity is in `users`,
admins also in `admins`, as in Databricks).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    user_name: str
    display_name: str
    scim_id: str
    is_admin: bool
    system_tables_grant: bool
    is_service_principal: bool = False
    groups: tuple[str, ...] = ("users",)

    def __post_init__(self) -> None:
        # Databricks makes a workspace admin by membership of `admins`: the two facts must not disagree.
        if self.is_admin != ("admins" in self.groups):
            raise ValueError(f"{self.user_name}: is_admin={self.is_admin} but groups={self.groups}")


# SCIM group ids (`groups[].value`): fixed, so a client that keys on them sees the same group on every start.
GROUP_IDS: dict[str, str] = {
    "admins": "541019381829901",
    "users": "541019381829902",
    "data-eng": "541019381829903",
    "finops": "541019381829904",
}
TEAM_GROUP = "data-eng"

ADMIN = Identity("admin@example.com", "Local Admin", "1001", is_admin=True, system_tables_grant=True,
                 groups=("admins", "users"))
ANALYST = Identity("analyst@example.com", "Local Analyst", "1002", is_admin=False, system_tables_grant=False)
SERVICE_PRINCIPAL = Identity(
    "local-sp", "Local Service Principal", "1003", is_admin=True, system_tables_grant=True, is_service_principal=True,
    groups=("admins", "users"),
)
TEAM_MEMBER = Identity("team.member@example.com", "Team Member", "1004", is_admin=False, system_tables_grant=True,
                       groups=("users", TEAM_GROUP))
OWNER = Identity("owner@example.com", "Job Owner", "1005", is_admin=False, system_tables_grant=True)
FINOPS = Identity("finops@example.com", "FinOps Analyst", "1006", is_admin=False, system_tables_grant=True,
                  groups=("users", "finops"))
NEWCOMER = Identity("newcomer@example.com", "New Colleague", "1007", is_admin=False, system_tables_grant=True)
LIMITED_SERVICE_PRINCIPAL = Identity(
    "local-sp-limited", "Local Limited Service Principal", "1008", is_admin=False, system_tables_grant=True,
    is_service_principal=True,
)

STATIC_TOKENS: dict[str, Identity] = {
    "local-admin": ADMIN,
    "local-analyst": ANALYST,
    "local-team": TEAM_MEMBER,
    "local-owner": OWNER,
    "local-finops": FINOPS,
    "local-nobody": NEWCOMER,
}
CLIENT_CREDENTIALS: dict[str, tuple[str, Identity]] = {
    "local-sp": ("local-sp-secret", SERVICE_PRINCIPAL),
    "local-sp-limited": ("local-sp-limited-secret", LIMITED_SERVICE_PRINCIPAL),
}
OAUTH_TOKEN_TTL_SECONDS = 3600


class TokenRegistry:
    """Static demo tokens plus OAuth access tokens minted for the service principals."""

    def __init__(self) -> None:
        self._issued: dict[str, tuple[Identity, float]] = {}
        self._lock = threading.Lock()

    def issue(self, identity: Identity, ttl_seconds: int = OAUTH_TOKEN_TTL_SECONDS) -> str:
        token = "local-oauth-" + secrets.token_hex(16)
        with self._lock:
            self._issued[token] = (identity, time.time() + ttl_seconds)
        return token

    def revoke(self, token: str) -> None:
        """The token is refused from now on, as after its owner signs out (Databricks revokes the session's OAuth
        tokens) or an admin revokes it; static demo tokens cannot be revoked."""
        with self._lock:
            self._issued.pop(token, None)

    def resolve(self, token: str | None) -> Identity | None:
        if not token:
            return None
        if token in STATIC_TOKENS:
            return STATIC_TOKENS[token]
        with self._lock:
            entry = self._issued.get(token)
        if entry is None or entry[1] < time.time():
            return None
        return entry[0]

    def resolve_header(self, authorization: str | None) -> Identity | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        return self.resolve(authorization[len("Bearer "):].strip())
