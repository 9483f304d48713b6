"""Who is calling, from the request.

Inside a Databricks App the proxy has authenticated the user: it forwards their identity in X-Forwarded-* headers
and, with user authorization on, their token in X-Forwarded-Access-Token. Anywhere else those headers are ignored,
since any client could send them, and callers authenticate with `Authorization: Bearer <token>`, which is validated
against the workspace (SCIM Me) and remembered briefly.

With GQL_MONITOR_JOB_VISIBILITY=permissions the caller's groups decide what they see, and only SCIM Me called with
their own token says which groups those are: inside an App that is the forwarded user token (user authorization
must be on; `iam.current-user:read` is among the scopes Apps grant by default), elsewhere the bearer token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cachetools import TTLCache
from starlette.requests import HTTPConnection

from gql_monitor.errors import Forbidden, MonitorError, Unauthenticated
from gql_monitor.http.demo_sign_in import demo_token
from gql_monitor.principal import Principal
from gql_monitor.services import Services

TOKEN_MEMORY_SECONDS = 300
TOKEN_MEMORY_SIZE = 1024
MAX_TOKEN_LENGTH = 4096


@dataclass(frozen=True)
class Caller:
    user_name: str
    token: str | None
    # The workspace groups SCIM Me lists for them; None when no token of theirs was checked.
    groups: frozenset[str] | None = None


@dataclass(frozen=True)
class TokenOwner:
    """Whom the workspace says a token belongs to: their user name, and every name they may be forwarded under."""

    user_name: str
    names: frozenset[str]
    groups: frozenset[str] = frozenset()

    def is_named(self, name: str) -> bool:
        return name.strip().lower() in self.names


# Validated tokens → their owners for a few minutes, keyed by the token's hash (tokens themselves are not kept). Only
# the event loop's thread reads and writes it, with no await between a read and a write, so it needs no lock.
TokenMemory = TTLCache[str, TokenOwner]


def token_memory() -> TokenMemory:
    return TTLCache(maxsize=TOKEN_MEMORY_SIZE, ttl=TOKEN_MEMORY_SECONDS)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _bearer(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("The Authorization header must be `Bearer <token>`.")
    if len(token) > MAX_TOKEN_LENGTH or not token.isprintable():
        raise Unauthenticated("The bearer token is malformed.")
    return token


async def identify(
    request: HTTPConnection, services: Services, memory: TokenMemory, *, authorization: str | None = None
) -> Caller:
    """The caller of an HTTP request or of a websocket connection. `authorization` is an `Authorization` value the
    connection carries outside its headers (a websocket's `connection_init` payload: browsers cannot set headers on
    websockets); outside an App it takes the header's place. Inside an App only the proxy's headers count."""
    settings = services.settings
    if settings.in_databricks_app:
        return await _behind_the_apps_proxy(request, services, memory)
    token = _bearer(authorization if authorization is not None else request.headers.get("authorization")) \
        or demo_token(request)
    if token is None:
        raise Unauthenticated("Send `Authorization: Bearer <token>` with a Databricks token.")
    owner = await token_owner(token, services, memory)
    return Caller(user_name=owner.user_name, token=token, groups=owner.groups)


async def _behind_the_apps_proxy(request: HTTPConnection, services: Services, memory: TokenMemory) -> Caller:
    forwarded = request.headers.get("x-forwarded-email") or request.headers.get("x-forwarded-preferred-username")
    token = request.headers.get("x-forwarded-access-token") or _bearer(request.headers.get("authorization"))
    if not forwarded and token is None:
        raise Unauthenticated("No identity from the Databricks Apps proxy.")
    by_permissions = services.settings.job_visibility == "permissions"
    if forwarded and (token is None or (services.settings.data_access != "obo" and not by_permissions)):
        # No user token is used for data or groups (service-principal mode, or a mode that needs one without it,
        # which principal_for refuses): the proxy's word is the only identity there is.
        return Caller(user_name=forwarded, token=token)
    # The token is what the data will be fetched with, so it decides who this is: the forwarded name must be its
    # owner's. Defence in depth behind the proxy: a forged header with someone else's or a garbage token gets nothing.
    owner = await token_owner(token, services, memory)
    if forwarded and not owner.is_named(forwarded):
        raise Unauthenticated("The forwarded access token does not belong to the forwarded user.")
    return Caller(user_name=owner.user_name, token=token, groups=owner.groups)


def forget_token(memory: TokenMemory, token: str) -> None:
    """Drops what is remembered of `token`, so the next check asks the workspace again (a websocket re-checking
    the token it opened with: an expired or revoked token must not live on in the memory)."""
    memory.pop(_token_hash(token), None)


async def token_owner(token: str, services: Services, memory: TokenMemory) -> TokenOwner:
    """Whom the workspace says the token belongs to (SCIM Me), checked once and remembered by the token's hash."""
    key = _token_hash(token)
    owner = memory.get(key)
    if owner is not None:
        return owner
    try:
        me = await services.jobs_api.current_user(token)
    except Unauthenticated:
        raise Unauthenticated("The token was not accepted by the workspace (invalid or expired).") from None
    except MonitorError as exc:
        raise Unauthenticated(f"The token could not be checked: {exc}") from None
    user = me.get("userName") or me.get("id")
    if not user:
        raise Unauthenticated("The workspace did not say whom the token belongs to.")
    emails = [e.get("value") for e in me.get("emails") or () if isinstance(e, dict) and isinstance(e.get("value"), str)]
    groups = [g.get("display") for g in me.get("groups") or () if isinstance(g, dict)]
    owner = TokenOwner(user_name=user, names=frozenset(n.strip().lower() for n in [str(user), *emails]),
                       groups=frozenset(g.strip() for g in groups if isinstance(g, str) and g.strip()))
    memory[key] = owner
    return owner


async def principal_for(caller: Caller, services: Services) -> Principal:
    settings = services.settings
    if settings.data_access == "obo" and caller.token is None:
        # Failing closed: without the user's token their grants cannot apply.
        raise Unauthenticated("On-behalf-of access needs the user's token (enable user authorization).")
    if settings.data_access != "obo" and settings.allowed_users and caller.user_name not in settings.allowed_users:
        raise Forbidden(f"{caller.user_name} is not among the users allowed to use this monitor.")
    if services.visibility.by_permissions and caller.groups is None:
        # Failing closed: without their groups, what they may see cannot be decided.
        raise Unauthenticated("Job visibility by permissions needs the user's token to read their groups (enable "
                              "user authorization for the app).")
    scope = await services.visibility.scope_for(caller.user_name, caller.groups or frozenset())
    token = caller.token if settings.data_access == "obo" else None
    return Principal(user_name=caller.user_name, token=token, scope=scope)


async def request_principal(request: HTTPConnection, services: Services, memory: TokenMemory) -> Principal:
    """The principal of an HTTP request, decided once per request: the warm path (http/cached_responses.py) and
    the GraphQL context both ask, and a refused token must cost the workspace one check, not two."""
    state = request.scope.setdefault("state", {})
    if "principal" not in state:
        try:
            state["principal"] = await principal_for(await identify(request, services, memory), services)
        except MonitorError as exc:
            state["principal"] = exc
    found = state["principal"]
    if isinstance(found, MonitorError):
        raise found
    return found
