"""The identity endpoints the SDK and the connector need: host metadata, OAuth M2M, and SCIM `Me`."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gql_monitor.local_workspace.identities import CLIENT_CREDENTIALS, GROUP_IDS, OAUTH_TOKEN_TTL_SECONDS, Identity
from gql_monitor.local_workspace.state import WorkspaceState


def databricks_error(status: int, error_code: str, message: str) -> JSONResponse:
    return JSONResponse({"error_code": error_code, "message": message}, status_code=status)


def unauthenticated() -> JSONResponse:
    return databricks_error(401, "UNAUTHENTICATED", "Invalid access token.")


def authenticate(state: WorkspaceState, request: Request) -> Identity | None:
    return state.tokens.resolve_header(request.headers.get("authorization"))


def routes(state: WorkspaceState) -> list[Route]:
    async def well_known(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "oidc_endpoint": f"{state.base_url}/oidc",
                "workspace_id": state.home_workspace_id,
                "account_id": state.meta.get("account_id"),
                "cloud": "aws",
            }
        )

    async def oauth_metadata(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": f"{state.base_url}/oidc",
                "authorization_endpoint": f"{state.base_url}/oidc/v1/authorize",
                "token_endpoint": f"{state.base_url}/oidc/v1/token",
                "grant_types_supported": ["client_credentials"],
            }
        )

    async def token(request: Request) -> JSONResponse:
        body = parse_qs((await request.body()).decode("utf-8", "replace"))
        client_id = body.get("client_id", [None])[0]
        secret = body.get("client_secret", [None])[0]
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                client_id = secret = None
        if body.get("grant_type", [None])[0] != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        known = CLIENT_CREDENTIALS.get(client_id or "")
        if known is None or known[0] != secret:
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed"}, status_code=401
            )
        access = state.tokens.issue(known[1])
        return JSONResponse(
            {"access_token": access, "token_type": "Bearer", "expires_in": OAUTH_TOKEN_TTL_SECONDS, "scope": "all-apis"}
        )

    async def scim_me(request: Request) -> JSONResponse:
        who = authenticate(state, request)
        if who is None:
            return unauthenticated()
        # Databricks lists the groups the caller belongs to directly, each with its SCIM id and a relative $ref.
        groups = [{"display": name, "type": "direct", "value": GROUP_IDS[name], "$ref": f"Groups/{GROUP_IDS[name]}"}
                  for name in who.groups]
        return JSONResponse(
            {
                "id": who.scim_id,
                "userName": who.user_name,
                "displayName": who.display_name,
                "active": True,
                "emails": [{"value": who.user_name, "primary": True}] if "@" in who.user_name else [],
                "groups": groups,
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            }
        )

    return [
        Route("/.well-known/databricks-config", well_known, methods=["GET"]),
        Route("/oidc/.well-known/oauth-authorization-server", oauth_metadata, methods=["GET"]),
        Route("/oidc/v1/token", token, methods=["POST"]),
        Route("/api/2.0/preview/scim/v2/Me", scim_me, methods=["GET"]),
    ]
