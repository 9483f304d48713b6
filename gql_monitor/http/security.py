"""Web safety defaults: security headers on every response, CORS closed unless origins are configured."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

# One policy for every page, GraphiQL's included: everything is served by the app itself (GraphiQL is bundled,
# see graphiql.py), so no third-party origin is allowed. Inline styles stay, since React components set style
# attributes; data: images are CodeMirror's and GraphiQL's small icons.
APP_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


_ENCODED = [(name.lower().encode(), value.encode()) for name, value in
            [*HEADERS.items(), ("Content-Security-Policy", APP_CSP)]]
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Adds the headers to a response's start, unless the response set them itself. Plain ASGI rather than
    Starlette's BaseHTTPMiddleware, which runs every request through an extra task and a re-streamed body: on the
    warm path that was a measurable share of each request (bench/results.md)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope.get("path", "").startswith("/api/")

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = _ENCODED + ([_NO_STORE] if api else [])
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
