"""The demo's automatic sign-in (a tokenless browser on loopback is the stand-in's admin) holds only for the demo's own
pages: a navigation to a loopback Host name sets a cookie, and only same-origin requests with that cookie, to a
loopback Host, are signed in. DNS rebinding (a hostile Host), cross-site requests and cookie-less scripts get 401."""

from __future__ import annotations

import httpx
import pytest

from conftest import RunningMonitor, monitor_settings
from gql_monitor.http.demo_sign_in import COOKIE

VIEWER = {"query": "{ viewer { userName } }"}
NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none", "Sec-Fetch-Dest": "document",
            "Accept": "text/html,application/xhtml+xml"}
SAME_ORIGIN_FETCH = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "empty"}


@pytest.fixture(scope="module")
def demo(workspace):
    with RunningMonitor(monitor_settings(workspace, demo_default_token="local-admin")) as running:
        yield running


def port(demo) -> str:
    return demo.base_url.rsplit(":", 1)[1]


def navigate(demo, host: str, **extra) -> httpx.Response:
    with httpx.Client(base_url=demo.base_url) as client:
        return client.get("/", headers={**NAVIGATE, "Host": host, **extra})


def ask(demo, host: str, cookie: str | None, **headers) -> httpx.Response:
    with httpx.Client(base_url=demo.base_url) as client:
        if cookie is not None:
            headers["Cookie"] = f"{COOKIE}={cookie}"
        return client.post("/api/graphql", json=VIEWER, headers={"Host": host, **headers})


def cookie_from(response: httpx.Response) -> str | None:
    return response.cookies.get(COOKIE)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "127.0.0.1",
                                  "localhost", "[::1]:{port}"])
def test_a_navigation_of_the_demo_signs_the_browser_in(demo, host):
    host = host.format(port=port(demo))
    page = navigate(demo, host)
    assert page.status_code == 200
    cookie = cookie_from(page)
    assert cookie, page.headers
    set_cookie = page.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "path=/" in set_cookie
    answer = ask(demo, host, cookie, **SAME_ORIGIN_FETCH)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["viewer"]["userName"] == "admin@example.com"
    # An older browser without fetch metadata still works from the page it loaded.
    assert ask(demo, host, cookie).json()["data"]["viewer"]["userName"] == "admin@example.com"


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1.evil.example:{port}",
                                  "localhost.evil.example", "127.0.0.2:{port}", "0.0.0.0:{port}", "localhost.:{port}",
                                  "localhost:{port}@evil.example", "localhost:port", "", "[::1]x:{port}"])
def test_a_hostile_host_is_never_signed_in(demo, host):
    """DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 sends its own name as Host."""
    host = host.format(port=port(demo))
    good_cookie = cookie_from(navigate(demo, f"127.0.0.1:{port(demo)}"))
    assert good_cookie
    assert cookie_from(navigate(demo, host)) is None
    for headers in (SAME_ORIGIN_FETCH, NAVIGATE, {}):
        answer = ask(demo, host, good_cookie, **headers)
        assert answer.status_code == 401, (host, headers, answer.text)
        assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_cross_site_requests_are_never_signed_in(demo, site):
    host = f"127.0.0.1:{port(demo)}"
    cookie = cookie_from(navigate(demo, host))
    for mode in ("cors", "no-cors", "navigate"):
        answer = ask(demo, host, cookie, **{"Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode})
        assert answer.status_code == 401, (site, mode, answer.text)
    with httpx.Client(base_url=demo.base_url) as client:
        get = client.get("/api/graphql", params=VIEWER, headers={"Host": host, "Cookie": f"{COOKIE}={cookie}",
                                                                  "Sec-Fetch-Site": site, "Sec-Fetch-Mode": "no-cors"})
    assert get.status_code == 401


def test_requests_without_the_navigation_cookie_are_not_signed_in(demo):
    host = f"127.0.0.1:{port(demo)}"
    for cookie in (None, "forged", ""):
        answer = ask(demo, host, cookie, **SAME_ORIGIN_FETCH)
        assert answer.status_code == 401, (cookie, answer.text)
    # A fetch (not a navigation) gets no cookie, so a script cannot obtain one without loading the demo's page.
    with httpx.Client(base_url=demo.base_url) as client:
        fetched = client.get("/", headers={"Host": host, "Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "cross-site"})
    assert cookie_from(fetched) is None
    # A token always works, whatever the Host.
    with httpx.Client(base_url=demo.base_url) as client:
        answer = client.post("/api/graphql", json=VIEWER, headers={"Host": "evil.example",
                                                                   "Authorization": "Bearer local-analyst"})
    assert answer.json()["data"]["viewer"]["userName"] == "analyst@example.com"


def test_serve_settings_never_set_the_cookie(monitor):
    page = navigate(monitor, f"127.0.0.1:{port(monitor)}")
    assert cookie_from(page) is None


def test_opening_graphiql_first_is_a_signed_in_navigation(demo):
    """GraphiQL lives at /api/graphql: opening it before any other page must show it, and set the cookie its queries
    then carry."""
    host = f"127.0.0.1:{port(demo)}"
    with httpx.Client(base_url=demo.base_url) as client:
        page = client.get("/api/graphql", headers={**NAVIGATE, "Host": host})
        cross = client.get("/api/graphql", headers={**NAVIGATE, "Host": host, "Sec-Fetch-Site": "cross-site"})
        hostile = client.get("/api/graphql", headers={**NAVIGATE, "Host": "evil.example"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text[:300]
    assert cookie_from(page)
    assert ask(demo, host, cookie_from(page), **SAME_ORIGIN_FETCH).json()["data"]["viewer"]["userName"] == \
        "admin@example.com"
    assert cross.status_code == 401 and hostile.status_code == 401
