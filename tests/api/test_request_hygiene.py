"""The HTTP → GraphQL boundary: every malformed request gets a 4xx with a GraphQL-shaped error and a code (never a
500), and the body is bounded while it is read."""

from __future__ import annotations

import base64
import json
import socket
from urllib.parse import urlsplit

import pytest

from gql_monitor.errors import ERROR_CODES
from gql_monitor.graphql.document_size import MAX_DOCUMENT_NESTING
from gql_monitor.http.request_hygiene import DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_JSON_VALUES
from gql_monitor.settings import Settings

VIEWER = "{ viewer { userName } }"
AUTH = {"Authorization": "Bearer local-admin"}


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def refused(response, status: int = 400, code: str = "BAD_USER_INPUT") -> str:
    """The response is a GraphQL-shaped refusal with this status and code; returns its message."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), response.text[:300]
    body = response.json()
    assert body["data"] is None and len(body["errors"]) == 1, body
    assert body["errors"][0]["extensions"]["code"] == code, body
    return body["errors"][0]["message"]


def post_raw(client, body: bytes, content_type: str = "application/json"):
    return client.post("/api/graphql", content=body, headers={"Content-Type": content_type})


# -- JSON that is not a GraphQL request object (issue 7 item 3) ---------------------------------------------------


@pytest.mark.parametrize("body", [b"null", b'"x"', b"123", b"-1.5", b"true", b"false", b'""', b"{}",
                                  b'{"query": null}', b'{"query": 5}', b'{"query": ["{ viewer { userName } }"]}',
                                  b'{"query": {}}', b'{"query": "   "}', b'{"variables": {}}'])
def test_json_that_is_not_a_request_object_is_refused_with_a_code(client, body):
    refused(post_raw(client, body))


@pytest.mark.parametrize("key", ["variables", "extensions"])
@pytest.mark.parametrize("value", [5, -1.5, "x", "", True, False, [], [1], ["a", {}]])
def test_variables_and_extensions_of_every_non_object_json_type_are_refused(client, key, value):
    message = refused(client.post("/api/graphql", json={"query": VIEWER, key: value}))
    assert key in message


@pytest.mark.parametrize("key", ["variables", "extensions"])
@pytest.mark.parametrize("value", [None, {}])
def test_null_and_empty_variables_and_extensions_are_accepted(client, key, value):
    response = client.post("/api/graphql", json={"query": VIEWER, key: value})
    assert response.status_code == 200 and response.json()["data"]["viewer"]["userName"] == "admin@example.com"


@pytest.mark.parametrize("name", [5, 1.5, True, False, [], ["Q"], {}, {"a": "Q"}])
def test_operation_name_of_every_non_string_type_is_refused(client, name):
    message = refused(client.post("/api/graphql", json={"query": "query Q " + VIEWER, "operationName": name}))
    assert "operationName" in message


@pytest.mark.parametrize("name", ["Nope", "", "x" * 5000, "a\nb\r\nc", "'; DROP TABLE x; --", "😀", "\u202e"])
def test_unknown_or_hostile_operation_names_are_refused_with_a_code(client, name):
    response = client.post("/api/graphql", json={"query": "query Q " + VIEWER, "operationName": name})
    if name == "":
        # An empty name means "no name": the document's only operation runs.
        assert response.status_code == 200 and not response.json().get("errors")
        return
    message = refused(response)
    assert len(message) <= 300


@pytest.mark.parametrize("body", [
    b"[]", b"[1]", b"[null]", json.dumps([{"query": VIEWER}]).encode(),
    json.dumps([{"query": VIEWER}] * 100).encode(),
])
def test_batched_requests_are_refused_with_a_clear_message(client, body):
    assert "Batched requests are not supported" in refused(post_raw(client, body))


@pytest.mark.parametrize("params", [
    {"query": VIEWER, "variables": "5"}, {"query": VIEWER, "variables": "[]"}, {"query": VIEWER, "variables": "\"x\""},
    {"query": VIEWER, "variables": "{"}, {"query": VIEWER, "variables": "true"},
    {"query": VIEWER, "extensions": "[]"}, {"query": VIEWER, "extensions": "1"}, {"query": VIEWER, "extensions": "{"},
    {"query": VIEWER, "variables": "[" * 2000 + "]" * 2000},
    {"query": ""},
    {"query": VIEWER, "operationName": "Nope"},
    {"query": "mutation { x }"},
])
def test_get_parameters_are_checked_the_same_way(client, params):
    refused(client.get("/api/graphql", params=params))


def test_get_without_a_query_from_a_non_browser_is_refused(client):
    # (A browser asking for HTML gets GraphiQL instead.)
    refused(client.get("/api/graphql", params={"variables": "{}"}, headers={"Accept": "application/json"}))


def test_get_with_null_variables_runs(client):
    response = client.get("/api/graphql", params={"query": VIEWER, "variables": "null", "extensions": "{}"})
    assert response.status_code == 200 and response.json()["data"]["viewer"]["userName"] == "admin@example.com"


# -- other bare 500s and errors without a code (issue 8 item 5) ---------------------------------------------------


@pytest.mark.parametrize("body", [b"\xff\xfe", b'{"query": "\xff"}', "{\"query\": \"{ viewer { userName } }\"}"
                                  .encode("utf-16"), b'{"query": "{ viewer { userName } }", "operationName": "\xc3"}'])
def test_bodies_that_are_not_utf8_are_refused(client, body):
    assert "UTF-8" in refused(post_raw(client, body))


@pytest.mark.parametrize("digits", [5000, 400])
def test_huge_integer_variables_are_bad_user_input(client, digits):
    body = ('{"query": "query($v: Int!) { jobs(first: $v) { totalCount } }", "variables": {"v": %s}}'
            % ("1" * digits)).encode()
    response = post_raw(client, body)
    assert response.status_code in (200, 400), response.text[:300]
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert codes == {"BAD_USER_INPUT"}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 1000, 4000, 60_000])
def test_deeply_nested_variables_are_refused(client, depth):
    body = b'{"query": "query($v: JobFilter) { jobs(first: 1, filter: $v) { totalCount } }", "variables": {"v": ' \
           + b"[1," * depth + b"1" + b"]" * depth + b"}}"
    message = refused(post_raw(client, body))
    # Past MAX_JSON_VALUES containers the count is what trips first.
    assert "nests deeper" in message if depth < MAX_JSON_VALUES else "values" in message


def test_variables_within_the_depth_bound_reach_graphql_validation(client):
    nested = "[" * (MAX_JSON_DEPTH - 3) + "]" * (MAX_JSON_DEPTH - 3)
    response = post_raw(client, ('{"query": "query($v: JobFilter) { jobs(first: 1, filter: $v) { totalCount } }", '
                                 '"variables": {"v": %s}}' % nested).encode())
    body = response.json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    assert "JobFilter" in body["errors"][0]["message"], "refused by GraphQL's coercion, not the JSON bounds"


def test_requests_with_too_many_json_values_are_refused(client):
    tags = [{"key": "k"}] * (MAX_JSON_VALUES // 2 + 1)
    body = json.dumps({"query": "query($t: [TagFilter!]) { jobs(first: 1, filter: {tags: $t}) { totalCount } }",
                       "variables": {"t": tags}}).encode()
    assert len(body) < DEFAULT_MAX_BODY_BYTES
    assert f"more than {MAX_JSON_VALUES} values" in refused(post_raw(client, body))


def fragment_chain(length: int) -> str:
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(length))
    return f"query {{ ...F0 }} {chain} fragment F{length} on Query {{ viewer {{ userName }} }}"


@pytest.mark.parametrize("length", [MAX_DOCUMENT_NESTING + 1, 400])
def test_long_fragment_chains_are_query_too_complex(client, length):
    response = client.post("/api/graphql", json={"query": fragment_chain(length)})
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["QUERY_TOO_COMPLEX"], errors
    assert "recursion" not in errors[0]["message"]


def test_a_short_fragment_chain_runs(client):
    response = client.post("/api/graphql", json={"query": fragment_chain(20)})
    assert response.json()["data"]["viewer"]["userName"] == "admin@example.com"


def forged(*values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("query, cursor", [
    ("query($c: String) { runs(first: 2, after: $c) { totalCount } }", "WyJydW4iLCJnYXJiYWdlIiwiMToxIl0"),
    ("query($c: String) { runs(first: 2, after: $c) { totalCount } }", forged("run", 5, "1:1")),
    ("query($c: String) { runs(first: 2, after: $c) { totalCount } }", forged("run", {}, [])),
    ("query($c: String) { jobs(first: 2, after: $c) { totalCount } }", forged("job", 5, {}, "NAME")),
    ("query($c: String) { jobs(first: 2, after: $c) { totalCount } }", forged("job", [], None, "NAME")),
    ("query($c: String) { activeRuns(first: 2, after: $c) { nodes { id } } }", forged("active", {"a": 1})),
])
def test_forged_cursors_are_bad_user_input(client, query, cursor):
    body = client.post("/api/graphql", json={"query": query, "variables": {"c": cursor}}).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body["errors"]


@pytest.mark.parametrize("value", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf"])
def test_non_finite_amounts_are_bad_user_input(client, value):
    body = client.post("/api/graphql", json={
        "query": "query($m: Decimal) { costs(window: {lastDays: 7}, groupBy: JOB, filter: {minListCost: $m}) "
                 "{ groups { key } } }", "variables": {"m": value}}).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body["errors"]
    assert "minListCost" in body["errors"][0]["message"]


def test_every_refusal_code_is_documented():
    with open("docs/api.md", encoding="utf-8") as f:
        api = f.read()
    for code in ERROR_CODES:
        assert f"`{code}`" in api, code


# -- the body limit (issue 8 item 5, "raw request size") ----------------------------------------------------------


def test_a_body_over_the_limit_is_413_with_a_code(client):
    # An unused 300 KB variable: the shape that let a 100 MB variable through before.
    body = json.dumps({"query": VIEWER, "variables": {"unused": "x" * (DEFAULT_MAX_BODY_BYTES + 1)}}).encode()
    assert "larger than" in refused(post_raw(client, body), 413, "REQUEST_TOO_LARGE")


def test_a_body_just_under_the_limit_is_read(client):
    filler = "x" * (DEFAULT_MAX_BODY_BYTES - 200)
    response = client.post("/api/graphql", json={"query": VIEWER, "variables": {"unused": filler}})
    assert len(response.request.content) <= DEFAULT_MAX_BODY_BYTES
    assert response.status_code == 200 and response.json()["data"]["viewer"]["userName"] == "admin@example.com"


def _raw_socket(monitor) -> socket.socket:
    url = urlsplit(monitor.base_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    return sock


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(
        b"content-length:")), None)
    while length is not None and len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(monitor):
    with _raw_socket(monitor) as sock:
        sock.sendall(b"POST /api/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer local-admin\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n")
        # Not one body byte sent: before the fix the server waited for all 100 MB (and this read timed out).
        response = _read_response(sock)
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert json.loads(response.partition(b"\r\n\r\n")[2])["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


def test_a_chunked_body_is_cut_off_while_streaming(monitor):
    """100 MB offered in chunks: the server answers 413 once the limit is crossed, having read a bounded amount."""
    chunk = b"x" * 65536
    sent = 0
    with _raw_socket(monitor) as sock:
        sock.sendall(b"POST /api/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer local-admin\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        start = b'{"query": "{ viewer { userName } }", "variables": {"v": "'
        sock.sendall(b"%x\r\n%s\r\n" % (len(start), start))
        sock.settimeout(0.5)
        try:
            while sent < 100 * 1024 * 1024:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass  # the server stopped reading: it has answered and closed
        sock.settimeout(30)
        response = _read_response(sock)
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    # What was pushed before the server stopped reading: the limit plus what socket buffers absorb, not 100 MB.
    assert sent < 16 * 1024 * 1024, sent


def test_the_body_limit_is_configurable():
    env = {"DATABRICKS_HOST": "https://x.cloud.databricks.com", "DATABRICKS_WAREHOUSE_ID": "abc",
           "DATABRICKS_TOKEN": "t"}
    assert Settings.from_env(env).max_body_bytes == DEFAULT_MAX_BODY_BYTES == 256 * 1024
    assert Settings.from_env({**env, "GQL_MONITOR_MAX_BODY_BYTES": "4096"}).max_body_bytes == 4096


def test_a_configured_limit_applies(workspace):
    from conftest import RunningMonitor, monitor_settings

    with RunningMonitor(monitor_settings(workspace, max_body_bytes=2048)) as small, small.client() as c:
        ok = c.post("/api/graphql", json={"query": VIEWER, "variables": {"x": "y" * 1500}})
        assert ok.status_code == 200
        refused(c.post("/api/graphql", json={"query": VIEWER, "variables": {"x": "y" * 2100}}), 413,
                "REQUEST_TOO_LARGE")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "FOO", "OPTIONS"])
def test_other_methods_are_405_with_a_code(client, method):
    response = client.request(method, "/api/graphql", json={"query": VIEWER})
    refused(response, 405)
    assert response.headers["allow"] == "GET, POST"
