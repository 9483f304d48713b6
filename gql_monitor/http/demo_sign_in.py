"""The demo's automatic sign-in: a browser opening the demo on loopback is the stand-in's admin, and nobody else.

`gql-monitor demo` sets `demo_default_token`; `serve` never does. Two browser attacks shape the rules:
- DNS rebinding: a page on evil.example whose name is re-pointed at 127.0.0.1 talks to the demo "same-origin", from
  a loopback address, but its requests carry `Host: evil.example`. So only a loopback Host name is signed in.
- Cross-site requests (a page elsewhere posting to 127.0.0.1): refused by their fetch metadata
  (`Sec-Fetch-Site: cross-site|same-site`), and they lack the cookie below, which is `SameSite=Strict`.
A navigation of the demo (the user opening a page of it) is signed in and sets an HttpOnly cookie holding a secret
of this process; other requests are signed in only with it, so a script on the machine that never loaded the demo's
pages is not, and gets 401 like anywhere else (the demo prints tokens for scripts).
"""

from __future__ import annotations

import re
import secrets

from fastapi import FastAPI, Request
from starlette.requests import HTTPConnection

COOKIE = "gqlm_demo"
# 127.0.0.1, localhost or [::1], with an optional port: exactly, since a rebinding attacker controls any other name.
_LOOPBACK_HOST = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?", re.IGNORECASE)
_LOOPBACK_CLIENTS = ("127.0.0.1", "::1")
_CROSS_SITE = ("cross-site", "same-site")


class DemoSignIn:
    def __init__(self, token: str) -> None:
        self.token = token
        self._secret = secrets.token_urlsafe(32)

    def token_for(self, request: HTTPConnection) -> str | None:
        """The demo token for a tokenless request of the demo's own pages; None for anyone else."""
        if not _from_the_demo_host(request) or _cross_site(request):
            return None
        if self.signs_in(request):
            # The navigation itself (e.g. opening GraphiQL at /api/graphql before any page set the cookie): what it
            # gets is shown to the user, never readable by another origin.
            return self.token
        cookie = request.cookies.get(COOKIE) or ""
        return self.token if secrets.compare_digest(cookie, self._secret) else None

    def signs_in(self, request: HTTPConnection) -> bool:
        """Whether this request is a navigation of the demo, whose response should carry the sign-in cookie. A
        websocket's handshake never is: it is signed in by the cookie only."""
        return (request.scope["type"] == "http" and request.method in ("GET", "HEAD")
                and _from_the_demo_host(request) and _is_navigation(request))

    def cookie(self) -> str:
        return f"{COOKIE}={self._secret}; Path=/; HttpOnly; SameSite=Strict"


def _from_the_demo_host(request: HTTPConnection) -> bool:
    client = request.client.host if request.client is not None else None
    return client in _LOOPBACK_CLIENTS and _LOOPBACK_HOST.fullmatch(request.headers.get("host", "")) is not None


def _cross_site(request: HTTPConnection) -> bool:
    return request.headers.get("sec-fetch-site", "").lower() in _CROSS_SITE


def _is_navigation(request: HTTPConnection) -> bool:
    mode = request.headers.get("sec-fetch-mode")
    if mode is not None:
        return mode.lower() == "navigate"
    # Browsers without fetch metadata: a page load asks for HTML.
    return "text/html" in request.headers.get("accept", "")


def install(app: FastAPI, token: str | None) -> None:
    """Only the demo calls this with a token; without one nothing is installed and nobody is signed in."""
    if not token:
        return
    sign_in = DemoSignIn(token)
    app.state.demo_sign_in = sign_in

    @app.middleware("http")
    async def set_cookie_on_navigation(request: Request, call_next):
        response = await call_next(request)
        if sign_in.signs_in(request):
            response.headers.append("Set-Cookie", sign_in.cookie())
        return response


def demo_token(request: HTTPConnection) -> str | None:
    sign_in: DemoSignIn | None = getattr(request.app.state, "demo_sign_in", None)
    return sign_in.token_for(request) if sign_in is not None else None
