"""Web safety defaults: security headers on every response, CORS closed unless origins are configured."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.base import BaseHTTPMiddleware

# GraphiQL loads its scripts from a CDN, so its page gets a looser policy than the app's own pages.
APP_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
GRAPHIQL_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline' https://unpkg.com; "
    "script-src 'self' 'unsafe-inline' https://unpkg.com; font-src 'self' https://unpkg.com data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        graphiql = request.url.path.startswith("/api/graphql") and response.headers.get(
            "content-type", ""
        ).startswith("text/html")
        response.headers.setdefault("Content-Security-Policy", GRAPHIQL_CSP if graphiql else APP_CSP)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def install(app: FastAPI, cors_origins: tuple[str, ...]) -> None:
    app.add_middleware(SecurityHeaders)
    if cors_origins:
        # Only listed origins, only what GraphQL needs; credentials are bearer tokens, never cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            max_age=600,
        )
