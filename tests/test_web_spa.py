"""Serving the bundled UI: index.html for client routes, immutable hashed assets, and /api left alone."""

from __future__ import annotations

import re

import pytest

from gql_monitor.http.security import APP_CSP

CLIENT_ROUTES = ["/", "/overview", "/?severity=CRITICAL&days=1", "/jobs", "/jobs?q=orders&after=abc", "/jobs/1234567890123456:42", "/runs/1:2", "/costs?by=TAG",
                 "/no/such/page", "/apiary"]


@pytest.mark.parametrize("path", CLIENT_ROUTES)
def test_client_routes_get_the_page(monitor, path):
    with monitor.client(token=None) as client:
        response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<main id="main"' in response.text
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-security-policy"] == APP_CSP


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD", "DELETE"])
@pytest.mark.parametrize("path", ["/api/nope", "/api", "/api/graphql/extra/segment", "/api/health/x"])
def test_unknown_api_paths_stay_json_404s(monitor, method, path):
    with monitor.client(token=None) as client:
        response = client.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    if method != "HEAD":
        assert response.json() == {"detail": "Not Found"}


def test_api_routes_are_unchanged(monitor):
    with monitor.client() as client:
        assert client.get("/api/health").headers["content-type"] == "application/json"
        assert client.put("/api/graphql").status_code == 405
        body = client.post("/api/graphql", json={"query": "{ viewer { userName } }"}).json()
    assert body["data"]["viewer"]["userName"] == "admin@example.com"


def test_assets_are_served_with_long_caching(monitor):
    with monitor.client(token=None) as client:
        html = client.get("/").text
        for path in re.findall(r'(?:src|href)="(/assets/[^"]+)"', html):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert response.headers["content-security-policy"] == APP_CSP
        missing = client.get("/assets/app-NOPE.js")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"


def test_head_of_a_client_route(monitor):
    with monitor.client(token=None) as client:
        response = client.head("/jobs/1:2")
    assert response.status_code == 200 and response.content == b""


def test_other_methods_on_client_routes_are_refused(monitor):
    with monitor.client(token=None) as client:
        assert client.post("/jobs").status_code == 405
