"""A malformed-HTTP corpus over raw sockets: bad methods, content types, truncated bodies, broken chunking, huge
headers, non-UTF-8 and hostile operation names. Never a 5xx, never an unhandled exception in the server's log; what the
application answers is a GraphQL-shaped error with a code. (Garbage the HTTP server itself refuses before the
application sees it gets its plain 400, or the connection is closed.)"""

from __future__ import annotations

import json
import logging
import socket
from urllib.parse import urlsplit

import pytest

from gql_monitor.errors import ERROR_CODES

AUTH = b"Authorization: Bearer local-admin\r\n"
QUERY = b'{"query": "{ viewer { userName } }"}'


def post(body: bytes, content_type: bytes | None = b"application/json", extra: bytes = b"",
         length: int | None = None) -> bytes:
    head = b"POST /api/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
    if content_type is not None:
        head += b"Content-Type: " + content_type + b"\r\n"
    head += b"Content-Length: %d\r\n" % (len(body) if length is None else length)
    return head + extra + b"\r\n" + body


def get(target: bytes, extra: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n" + AUTH + extra + b"\r\n"


def chunked(*chunks: bytes) -> bytes:
    return (b"POST /api/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + b"Content-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(chunks))


# (name, raw request, who must answer: "app" = a coded GraphQL error from the application; "server" = any non-5xx
# answer or a closed connection, the HTTP server refusing it first)
CORPUS = [
    ("PUT", post(QUERY).replace(b"POST", b"PUT", 1), "app"),
    ("DELETE", b"DELETE /api/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + b"\r\n", "app"),
    ("PATCH", post(QUERY).replace(b"POST", b"PATCH", 1), "app"),
    ("unknown method", post(QUERY).replace(b"POST", b"BREW", 1), "app"),
    ("TRACE", b"TRACE /api/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "app"),
    ("OPTIONS", b"OPTIONS /api/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "app"),
    ("text/plain", post(QUERY, b"text/plain"), "app"),
    ("form", post(b"query=%7B+viewer+%7B+userName+%7D+%7D", b"application/x-www-form-urlencoded"), "app"),
    ("multipart", post(b"--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" + QUERY + b"\r\n--b--\r\n",
                       b"multipart/form-data; boundary=b"), "app"),
    ("xml", post(b"<query/>", b"application/xml"), "app"),
    ("no content type", post(QUERY, None), "app"),
    ("json lookalike", post(QUERY, b"application/jsonx"), "app"),
    ("empty body", post(b""), "app"),
    ("non-UTF-8 body", post(b'{"query": "{ viewer { userName \xff } }"}'), "app"),
    ("latin-1 charset", post('{"query": "{ viewer { userName } }", "operationName": "é"}'.encode("latin-1"),
                             b"application/json; charset=latin-1"), "app"),
    ("UTF-16 body", post('{"query": "{ viewer { userName } }"}'.encode("utf-16")), "app"),
    ("BOM", post(b"\xef\xbb\xbf" + QUERY), "app"),
    ("NUL bytes", post(b'{"query": "{ viewer\x00 { userName } }"}'), "app"),
    ("lone surrogate operationName", post(b'{"query": "query Q { viewer { userName } }", "operationName": '
                                          b'"Q\\ud800"}'), "app"),
    ("newline operationName", post(json.dumps({"query": "query Q { viewer { userName } }",
                                               "operationName": "Q\r\nX-Injected: 1"}).encode()), "app"),
    ("huge operationName", post(json.dumps({"query": "query Q { viewer { userName } }",
                                            "operationName": "Q" * 200_000}).encode()), "app"),
    ("GET non-UTF-8 query", get(b"/api/graphql?query=%FF%FE"), "app"),
    ("GET non-UTF-8 variables", get(b"/api/graphql?query=%7B+viewer+%7B+userName+%7D+%7D&variables=%FF"), "app"),
    ("GET hostile operationName", get(b"/api/graphql?query=query+Q+%7B+viewer+%7B+userName+%7D+%7D&"
                                      b"operationName=%ED%A0%80%0D%0AX:1"), "app"),
    ("GET huge variables", get(b"/api/graphql?query=%7B+viewer+%7B+userName+%7D+%7D&variables=" + b"%5B" * 3000), "app"),
    ("Content-Length too large", post(QUERY, length=10 ** 12), "app"),
    ("chunked: bad size", chunked(b"zz\r\n" + QUERY + b"\r\n0\r\n\r\n"), "server"),
    ("chunked: size mismatch", chunked(b"5\r\n" + QUERY + b"\r\n0\r\n\r\n"), "server"),
    ("chunked and Content-Length", chunked(b"%x\r\n%s\r\n0\r\n\r\n" % (len(QUERY), QUERY)).replace(
        b"Transfer-Encoding", b"Content-Length: 3\r\nTransfer-Encoding", 1), "server"),
    ("negative Content-Length", post(QUERY).replace(b"Content-Length: 36", b"Content-Length: -1"), "server"),
    ("non-numeric Content-Length", post(QUERY).replace(b"Content-Length: 36", b"Content-Length: x"), "server"),
    ("huge header", post(QUERY, extra=b"X-Big: " + b"a" * 200_000 + b"\r\n"), "server"),
    ("many headers", post(QUERY, extra=b"".join(b"X-H%d: v\r\n" % i for i in range(5000))), "server"),
    ("garbage request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "server"),
    ("HTTP/0.9", b"GET /api/graphql\r\n\r\n", "server"),
    ("non-ASCII header", post(QUERY, extra=b"X-Name: \xff\xfe\r\n"), "app"),
    ("huge bearer token", post(QUERY).replace(b"Bearer local-admin", b"Bearer " + b"t" * 8000), "app"),
]


def exchange(base_url: str, raw: bytes, *, truncate: bool = False) -> bytes:
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=15) as sock:
        try:
            sock.sendall(raw)
            if truncate:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking everything
        data = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
                if _complete(data):
                    break
        except (ConnectionResetError, socket.timeout):
            pass
        return data


def _complete(data: bytes) -> bool:
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(b"content-length:"):
            return len(rest) >= int(line.split(b":", 1)[1])
    return False


def coded(response: bytes) -> tuple[int, dict]:
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json" in head.lower(), response[:300]
    return status, json.loads(body)


@pytest.fixture
def server_log(caplog):
    with caplog.at_level(logging.INFO):
        yield caplog
    unhandled = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not unhandled, [r.getMessage() for r in unhandled]


@pytest.mark.parametrize("name, raw, answered_by", CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_requests_never_5xx(monitor, server_log, name, raw, answered_by):
    response = exchange(monitor.base_url, raw)
    if answered_by == "server" and not response:
        return  # the HTTP server closed the connection on garbage: no answer, no 5xx
    assert response.startswith(b"HTTP/1."), (name, response[:200])
    status = int(response.split(b" ", 2)[1])
    assert status < 500, (name, response[:300])
    if answered_by == "app" or b"application/json" in response.partition(b"\r\n\r\n")[0].lower():
        status, body = coded(response)
        if status != 200:
            codes = [e["extensions"]["code"] for e in body["errors"]]
            assert codes and set(codes) <= set(ERROR_CODES) - {"INTERNAL"}, (name, body)
        else:
            for error in body.get("errors") or []:
                assert error["extensions"]["code"] in set(ERROR_CODES) - {"INTERNAL"}, (name, body)


@pytest.mark.parametrize("raw", [post(QUERY, length=len(QUERY) + 100),  # body shorter than declared
                                 chunked(b"%x\r\n%s\r\n" % (len(QUERY), QUERY))])  # no final chunk
def test_truncated_bodies_then_hang_up_are_not_500s(monitor, server_log, raw):
    response = exchange(monitor.base_url, raw, truncate=True)
    if response:
        assert int(response.split(b" ", 2)[1]) < 500, response[:300]
    # The server stays healthy for the next caller.
    after = exchange(monitor.base_url, post(QUERY))
    assert after.startswith(b"HTTP/1.1 200"), after[:300]
