"""GraphiQL at /api/graphql comes from the package: its page and everything the page loads are same-origin files,
under the same Content-Security-Policy as the UI, which allows no other origin."""

from __future__ import annotations

import re

from conftest import RunningMonitor, monitor_settings
from gql_monitor.http.security import APP_CSP
from gql_monitor.http.spa import STATIC_DIR

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
# Anything that names another origin: a scheme (http:, https:, ws:, ...) or a protocol-relative //host.
ELSEWHERE = re.compile(r"\b[a-z][a-z0-9+.-]*://|(?:src|href)=\"//|url\(\s*['\"]?//", re.IGNORECASE)


def test_a_browser_gets_the_packaged_graphiql_naming_no_other_origin(monitor):
    with monitor.client() as client:
        page = client.get("/api/graphql", headers=BROWSER)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.text == (STATIC_DIR / "graphiql.html").read_text()
        assert not ELSEWHERE.search(page.text), ELSEWHERE.search(page.text)
        assert page.headers["content-security-policy"] == APP_CSP

        referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert {ref.rsplit(".", 1)[-1] for ref in referenced} == {"js", "css", "svg"}
        for ref in referenced:
            assert ref.startswith("/assets/"), ref
            asset = client.get(ref)
            assert asset.status_code == 200, ref
            if ref.endswith(".css"):
                # Fonts are files next to the stylesheet; only small images stay inline.
                for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", asset.text):
                    if url.startswith("data:"):
                        assert url.startswith("data:image/"), url[:40]
                        continue
                    assert url.startswith("./") and "/" not in url[2:], url
                    assert client.get(f"/assets/{url[2:]}").status_code == 200, url


def test_the_csp_allows_no_other_origin():
    for directive in APP_CSP.split(";"):
        sources = directive.split()[1:]
        assert all(s in ("'self'", "'none'", "'unsafe-inline'", "data:") for s in sources), directive
    assert "script-src 'self';" in APP_CSP + ";"


def test_without_introspection_there_is_no_graphiql(workspace):
    with RunningMonitor(monitor_settings(workspace, introspection=False)) as mon, mon.client() as client:
        page = client.get("/api/graphql", headers=BROWSER)
    assert page.status_code != 200 or not page.headers["content-type"].startswith("text/html")
    assert "graphiql" not in page.text.lower()
