"""Compression: API answers gzipped above 1 KB when the request accepts gzip, assets sent from the build's Brotli
or gzip copies, raw when not asked, `Vary: Accept-Encoding` on whatever may vary, and every other header intact."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from gql_monitor.http.compression import MINIMUM_SIZE
from gql_monitor.http.security import APP_CSP
from gql_monitor.http.spa import STATIC_DIR

LARGE = "{ jobs(first: 100) { totalCount nodes { id name description tags { key value } } } }"
SMALL = "{ viewer { userName } }"
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda raw: raw}


def fetch(client, method: str, path: str, accept: str, **kwargs):
    """Status, headers and the bytes as they came over the wire (httpx would otherwise decode them)."""
    with client.stream(method, path, headers={"Accept-Encoding": accept}, **kwargs) as response:
        return response.status_code, response.headers, b"".join(response.iter_raw())


def vary(headers) -> set[str]:
    return {v.strip().lower() for v in headers.get("vary", "").split(",") if v.strip()}


def test_a_large_answer_is_gzipped_when_asked_and_raw_when_not(monitor):
    with monitor.client() as client:
        client.post("/api/graphql", json={"query": LARGE})  # the same answer, from the response cache, hereafter
        _, raw_headers, raw = fetch(client, "POST", "/api/graphql", "identity", json={"query": LARGE})
        _, plain_headers, plain = fetch(client, "POST", "/api/graphql", "", json={"query": LARGE})
        status, headers, packed = fetch(client, "POST", "/api/graphql", "br;q=1.0, gzip;q=0.8", json={"query": LARGE})
    assert len(raw) > 10 * MINIMUM_SIZE
    assert "content-encoding" not in raw_headers and "content-encoding" not in plain_headers
    assert plain == raw
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert len(packed) < len(raw) / 4
    assert gzip.decompress(packed) == raw
    assert int(headers["content-length"]) == len(packed)
    for h in (headers, raw_headers):
        assert "accept-encoding" in vary(h)
        assert h["content-type"] == "application/json"
        assert h["cache-control"] == "no-store"
        assert h["content-security-policy"] == APP_CSP
        assert h["x-content-type-options"] == "nosniff"


def test_gzip_refused_with_q_zero_is_not_sent(monitor):
    with monitor.client() as client:
        _, headers, body = fetch(client, "POST", "/api/graphql", "gzip;q=0, deflate", json={"query": LARGE})
    assert "content-encoding" not in headers
    assert len(body) > MINIMUM_SIZE and body.startswith(b"{")


def test_small_answers_are_not_compressed(monitor):
    with monitor.client() as client:
        _, headers, body = fetch(client, "POST", "/api/graphql", "gzip, br", json={"query": SMALL})
        _, health_headers, _ = fetch(client, "GET", "/api/health", "gzip")
    assert len(body) < MINIMUM_SIZE
    assert "content-encoding" not in headers and "content-encoding" not in health_headers
    assert body.startswith(b'{"data":{"viewer"')


def page_assets(client, page: str) -> list[str]:
    html = client.get(page, headers={"Accept": "text/html"}).text
    return re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', html)


@pytest.mark.parametrize("page", ["/", "/api/graphql"])
@pytest.mark.parametrize("accept, coding", [
    ("gzip, deflate, br, zstd", "br"),
    ("gzip", "gzip"),
    ("br;q=0, *", "gzip"),
    ("*", "br"),
    ("identity", None),
    ("", None),
    ("gzip;q=0, br;q=0", None),
])
def test_ui_assets_come_in_the_best_accepted_coding_and_decode_to_the_file(monitor, page, accept, coding):
    with monitor.client() as client:
        assets = page_assets(client, page)
        assert {a.rsplit(".", 1)[1] for a in assets} == {"js", "css"}
        for path in assets:
            original = (STATIC_DIR / path.lstrip("/")).read_bytes()
            status, headers, body = fetch(client, "GET", path, accept)
            assert status == 200
            assert headers.get("content-encoding") == coding, path
            assert DECODE[coding](body) == original, path
            assert int(headers["content-length"]) == len(body)
            if coding:
                assert len(body) < len(original) / 2, path
            assert "accept-encoding" in vary(headers)
            assert headers["content-type"].split(";")[0] in ("text/javascript", "text/css")
            assert headers["cache-control"] == "public, max-age=31536000, immutable"
            assert headers["content-security-policy"] == APP_CSP


def test_a_compressed_asset_revalidates_by_its_own_etag(monitor):
    with monitor.client() as client:
        path = page_assets(client, "/")[0]
        _, first, _ = fetch(client, "GET", path, "br")
        again = client.get(path, headers={"Accept-Encoding": "br", "If-None-Match": first["etag"]})
        _, raw, _ = fetch(client, "GET", path, "identity")
    assert again.status_code == 304 and "accept-encoding" in vary(again.headers)
    assert raw["etag"] != first["etag"]


def test_head_of_a_compressed_asset(monitor):
    with monitor.client() as client:
        path = page_assets(client, "/")[0]
        status, headers, body = fetch(client, "HEAD", path, "gzip")
    assert status == 200 and body == b"" and headers["content-encoding"] == "gzip"


def test_the_compressed_copies_are_not_files_of_their_own(monitor):
    with monitor.client() as client:
        path = page_assets(client, "/")[0]
        for suffix in (".br", ".gz"):
            assert (STATIC_DIR / (path.lstrip("/") + suffix)).is_file()
            response = client.get(path + suffix)
            assert response.status_code == 404 and response.headers["content-type"] == "application/json"


def test_files_without_copies_are_sent_as_they_are(monitor):
    """Fonts are compressed already and the favicon is under the threshold: no copies, no Vary, raw bytes."""
    with monitor.client() as client:
        html = client.get("/").text
        favicon = re.search(r'href="(/assets/favicon-[^"]+)"', html).group(1)
        status, headers, body = fetch(client, "GET", favicon, "gzip, br")
    assert status == 200 and "content-encoding" not in headers and "vary" not in headers
    assert body == (STATIC_DIR / favicon.lstrip("/")).read_bytes()
