"""Bad input gets BAD_USER_INPUT or literal treatment: never a 500, never a statement built from it."""

from __future__ import annotations

import pytest

from conftest import gql

HOSTILE = ["%", "_", ".*", "' OR '1'='1", "'; DROP TABLE billing.usage; --", "\\", "[a-z]+", "ünïcødé ✓",
           "\u202e", "a" * 200]


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def codes(body) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or []}


@pytest.mark.parametrize("query", [
    '{ job(id: "1234567890123456:999999999") { id } }',
    '{ run(id: "1234567890123456:999999999") { id } }',
])
def test_unknown_ids_are_null_not_errors(client, query):
    body = gql(client, query)
    assert list(body["data"].values()) == [None]


@pytest.mark.parametrize("query", [
    '{ job(id: "42") { id } }',
    '{ run(id: "x:1") { id } }',
    '{ jobs(first: 0) { totalCount } }',
    '{ jobs(first: -5) { totalCount } }',
    '{ jobs(first: 101) { totalCount } }',
    '{ runs(first: 10, after: "not-a-cursor") { totalCount } }',
    '{ jobs(first: 10, after: "eyJ4IjoxfQ") { totalCount } }',
    '{ runs(first: 10, window: {lastDays: 400}) { totalCount } }',
    '{ runs(first: 10, window: {start: "2020-01-01T00:00:00Z", end: "2026-01-01T00:00:00Z"}) { totalCount } }',
    '{ runs(first: 10, filter: {resultStates: [EXPLODED]}) { totalCount } }',
    '{ runs(first: 10, filter: {minDurationSeconds: -1}) { totalCount } }',
    '{ costs(window: {lastDays: 7}, groupBy: TAG) { total { amount } } }',
    '{ jobs(first: 1) { nodes { nope } } }',
    '{ jobs { totalCount } }',
    '{ activeRuns(first: 26) { nodes { id } } }',
    '{ jobs(first: 10, orderBy: LOUDEST) { totalCount } }',
    '{ failures(window: {lastDays: 0}) { failedRuns } }',
    '{ failures { byTerminationCode(first: 0) { key } } }',
    '{ failures { byTerminationType(first: 51) { key } } }',
    '{ failures { byTerminationType { key } } }',
    '{ failures { byTerminationCode(first: 5) { jobs(first: 6) { failedRuns } } } }',
    '{ failures { byTerminationCode(first: 5) { recentRuns(first: -1) { id } } } }',
    '{ failures(window: {lastDays: 400}) { failedRuns } }',
    '{ failures(window: {start: "2026-11-20T00:00:00Z", end: "2026-11-01T00:00:00Z"}) { failedRuns } }',
    '{ failures(window: {start: "yesterday"}) { failedRuns } }',
    '{ dataQuality(window: {lastDays: -1}) { jobsSeen } }',
    '{ dataQuality { jobsWithoutUsage(first: 101) { id } } }',
    '{ dataQuality { jobsNotInJobsTable(first: 0) { id } } }',
    '{ dataQuality { jobsNotInJobsTable { id } } }',
    '{ dataQuality(window: {lastDays: 7, start: "2026-11-01T00:00:00Z"}) { jobsSeen } }',
    '{ dataQuality(window: {end: "2026-11-01T00:00:00Z"}) { jobsSeen } }',
    '{ jobs(first: 10, orderBy: "PRIORITY") { totalCount } }',
    '{ jobs(first: 10, filter: {priorities: [P9]}) { totalCount } }',
    '{ jobs(first: 10, filter: {priorities: "P1; DROP TABLE x"}) { totalCount } }',
    '{ jobs(first: 10, orderBy: PRIORITY, after: "WyJqb2IiLCIxIiwiMToxIiwiTkFNRSJd") { totalCount } }',
    '{ jobs(first: 10, orderBy: COST, after: "WyJqb2IiLDEsMiwiQ09TVCJd") { totalCount } }',
])
def test_invalid_arguments_are_bad_user_input(client, query):
    response = client.post("/api/graphql", json={"query": query})
    assert response.status_code in (200, 400)
    body = response.json()
    assert codes(body) == {"BAD_USER_INPUT"}, body


@pytest.mark.parametrize("value", HOSTILE)
def test_name_search_matches_literally(client, workspace, value):
    body = gql(client, "query($q: String) { jobs(first: 5, filter: {nameContains: $q}) { totalCount nodes { name } } }",
               {"q": value})
    for node in body["data"]["jobs"]["nodes"]:
        assert value.lower() in (node["name"] or "").lower()
    assert workspace.state.db.cursor().execute("SELECT count(*) FROM billing.usage").fetchone()[0] > 0


@pytest.mark.parametrize("field", ["runAs", "creator", "workspaceId"])
@pytest.mark.parametrize("value", HOSTILE[:6])
def test_string_filters_are_data(client, field, value):
    body = gql(client, "query($f: JobFilter) { jobs(first: 5, filter: $f) { totalCount } }", {"f": {field: value}})
    assert body["data"]["jobs"]["totalCount"] == 0


@pytest.mark.parametrize("value", ["x" * 201, "a\u0000b"])
def test_oversized_and_nul_strings_are_refused(client, value):
    body = client.post("/api/graphql", json={"query": "query($q: String) { jobs(first: 5, filter: {nameContains: $q}) "
                                                      "{ totalCount } }", "variables": {"q": value}}).json()
    assert codes(body) == {"BAD_USER_INPUT"}


def test_malformed_bodies_get_a_4xx_never_a_500(monitor):
    with monitor.client() as client:
        for body, content_type in [(b"{", "application/json"), (b"[]", "application/json"),
                                   (b"query=1", "text/plain"), (b"\xff\xfe", "application/json"),
                                   (b'{"query": 5}', "application/json")]:
            response = client.post("/api/graphql", content=body, headers={"Content-Type": content_type})
            assert 400 <= response.status_code < 500, (body, response.status_code, response.text)


def test_queries_work_over_get(client):
    response = client.get("/api/graphql", params={"query": "{ viewer { userName } }"})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["userName"] == "admin@example.com"


STRING_ARGUMENTS = [
    ("query($v: ID!) { job(id: $v) { id } }", "v", "id"),
    ("query($v: ID!) { run(id: $v) { id } }", "v", "id"),
    ("query($v: String) { jobs(first: 3, filter: {tags: [{key: $v}]}) { totalCount } }", "v", "str"),
    ("query($v: String) { jobs(first: 3, filter: {tags: [{key: \"team\", value: $v}]}) { totalCount } }", "v", "str"),
    ("query($v: String) { runs(first: 3, filter: {workspaceId: $v}) { totalCount } }", "v", "str"),
    ("query($v: ID!) { runs(first: 3, filter: {jobIds: [$v]}) { totalCount } }", "v", "id"),
    ("query($v: String!) { runs(first: 3, filter: {terminationCodes: [$v]}) { totalCount } }", "v", "str"),
    ("query($v: String) { costs(window: {lastDays: 7}, groupBy: TAG, tagKey: $v) { total { amount } } }", "v", "str"),
    ("query($v: String!) { costs(window: {lastDays: 7}, groupBy: SKU, filter: {skus: [$v]}) { total { amount } } }",
     "v", "str"),
    ("query($v: String!) { costs(window: {lastDays: 7}, groupBy: SKU, filter: {products: [$v]}) { total { amount } } }",
     "v", "str"),
    ("query($v: String) { costInsights(tagKey: $v) { tagKey } }", "v", "str"),
    ("query($v: String) { jobs(first: 3, after: $v) { totalCount } }", "v", "cursor"),
    ("query($v: String) { activeRuns(first: 3, after: $v) { nodes { id } } }", "v", "cursor"),
]
CORPUS = HOSTILE + ["1234567890123456:1 OR 1=1", "0:0; DELETE FROM billing.usage", "%00", "\u0000", "😀" * 50,
                    "x" * 10_000, "${jndi:ldap://x}", "<script>alert(1)</script>", "NaN", "-1:-1"]


@pytest.mark.parametrize("query, name, kind", STRING_ARGUMENTS)
def test_injection_corpus_through_every_string_argument(client, workspace, query, name, kind):
    before = workspace.state.db.cursor().execute("SELECT count(*) FROM billing.usage").fetchone()[0]
    for value in CORPUS:
        response = client.post("/api/graphql", json={"query": query, "variables": {name: value}})
        assert response.status_code in (200, 400), (value, response.status_code)
        body = response.json()
        assert codes(body) <= {"BAD_USER_INPUT"}, (value, body.get("errors"))
        if kind == "id" and ":" not in value:
            assert codes(body) == {"BAD_USER_INPUT"}
    after = workspace.state.db.cursor().execute("SELECT count(*) FROM billing.usage").fetchone()[0]
    assert after == before
