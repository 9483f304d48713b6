"""Which pages may open a websocket to the monitor: its own, and the origins GQL_MONITOR_CORS_ORIGINS lists.

Browsers apply no CORS to a websocket handshake and send the site's cookies with it (the Apps proxy's session, the
demo's sign-in), so without this check any page the user visits could open a subscription as them. A handshake
without `Origin` is not a browser's and carries no ambient credentials; it is identified by its token like any
client. `*` in GQL_MONITOR_CORS_ORIGINS is not honoured here: it would let every site ride the user's cookies.
"""

from __future__ import annotations

from typing import Mapping

from strawberry.http.websocket_origin import is_same_origin, normalize_origin


def allowed_origins(cors_origins: tuple[str, ...]) -> frozenset[str]:
    return frozenset(origin for origin in map(normalize_origin, cors_origins) if origin is not None)


def origin_allowed(headers: Mapping[str, str], allowed: frozenset[str], *, behind_apps_proxy: bool) -> bool:
    origin = headers.get("origin")
    if origin is None:
        return True
    if normalize_origin(origin) is None:
        return False  # "null" (sandboxed frames, file: pages) or garbage
    if headers.get("sec-fetch-site", "").lower() == "same-origin":
        return True  # the browser's own verdict, which no page can forge
    hosts = [headers.get("host")]
    if behind_apps_proxy:
        # The proxy may hand the app another Host; it says which one the browser used.
        hosts.append(headers.get("x-forwarded-host"))
    if any(is_same_origin(origin, host) for host in hosts if host):
        return True
    return normalize_origin(origin) in allowed
