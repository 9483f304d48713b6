"""CSRF-safe defaults, closed CORS, security headers."""

from __future__ import annotations

import httpx

from conftest import RunningMonitor, monitor_settings


def test_simple_content_type_posts_and_get_mutations_are_refused(monitor):
    with monitor.client() as client:
        text = client.post("/api/graphql", content=b'{"query": "{ viewer { userName } }"}',
                           headers={"Content-Type": "text/plain"})
        form = client.post("/api/graphql", data={"query": "{ viewer { userName } }"})
        mutation = client.get("/api/graphql", params={"query": "mutation { x }"})
    assert text.status_code == 400 and form.status_code == 400
    assert 400 <= mutation.status_code < 500


def test_cors_is_closed_by_default(monitor):
    with httpx.Client(base_url=monitor.base_url) as client:
        preflight = client.options("/api/graphql", headers={"Origin": "https://evil.example",
                                                             "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_configured_origins(workspace):
    settings = monitor_settings(workspace, cors_origins=("https://dash.example",))
    with RunningMonitor(settings) as mon, httpx.Client(base_url=mon.base_url) as client:
        ok = client.options("/api/graphql", headers={"Origin": "https://dash.example",
                                                      "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "authorization,content-type"})
        evil = client.options("/api/graphql", headers={"Origin": "https://evil.example",
                                                        "Access-Control-Request-Method": "POST"})
    assert ok.headers.get("access-control-allow-origin") == "https://dash.example"
    assert "access-control-allow-origin" not in evil.headers


def test_security_headers_on_every_response(monitor):
    with monitor.client() as client:
        for path in ("/api/health", "/api/graphql?query=%7Bviewer%7BuserName%7D%7D"):
            response = client.get(path)
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert response.headers["cache-control"] == "no-store"
