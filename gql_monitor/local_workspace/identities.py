"""Who may call the stand-in, and what each caller may see.

The tokens and the service principal are part of the contract in shared/docs/contracts.md: `local-admin` reads every
system table and sees every job; `local-analyst` may use the warehouse but holds no grant on the system tables and sees
only the jobs whose ACL names them; the service principal `local-sp` logs in with OAuth M2M and has the admin's reach.
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


ADMIN = Identity("admin@example.com", "Local Admin", "1001", is_admin=True, system_tables_grant=True)
ANALYST = Identity("analyst@example.com", "Local Analyst", "1002", is_admin=False, system_tables_grant=False)
SERVICE_PRINCIPAL = Identity(
    "local-sp", "Local Service Principal", "1003", is_admin=True, system_tables_grant=True, is_service_principal=True
)

STATIC_TOKENS: dict[str, Identity] = {"local-admin": ADMIN, "local-analyst": ANALYST}
CLIENT_CREDENTIALS: dict[str, tuple[str, Identity]] = {"local-sp": ("local-sp-secret", SERVICE_PRINCIPAL)}
OAUTH_TOKEN_TTL_SECONDS = 3600


class TokenRegistry:
    """Static demo tokens plus OAuth access tokens minted for the service principal."""

    def __init__(self) -> None:
        self._issued: dict[str, tuple[Identity, float]] = {}
        self._lock = threading.Lock()

    def issue(self, identity: Identity, ttl_seconds: int = OAUTH_TOKEN_TTL_SECONDS) -> str:
        token = "local-oauth-" + secrets.token_hex(16)
        with self._lock:
            self._issued[token] = (identity, time.time() + ttl_seconds)
        return token

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
