"""Property-based fuzzing of the running monitor: queries generated from the schema (hypothesis-graphql), valid and
invalid, and arbitrary JSON request objects. Whatever is sent: no 5xx, and every error carries a documented code.

The default suite runs a short, derandomized pass; the long one is `python -m pytest -p no:cacheprovider -m slow tests/api/test_fuzz.py`
(`GQL_MONITOR_FUZZ_EXAMPLES` sets its size)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes, queries

from gql_monitor.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[2]
SDL = str(schema)
SHORT = 60
LONG = int(os.environ.get("GQL_MONITOR_FUZZ_EXAMPLES", "1500"))


def documented_codes() -> set[str]:
    """The codes listed in docs/api.md's error table: what clients are told to expect."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    table = text.split("## Errors", 1)[1].split("###", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE))


CODES = documented_codes()

_moments = st.datetimes(min_value=datetime(1999, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc))
SCALARS = {
    "DateTime": st.one_of(_moments.map(lambda d: nodes.String(d.isoformat())), st.text(max_size=30).map(nodes.String)),
    "Date": st.one_of(_moments.map(lambda d: nodes.String(d.date().isoformat())), st.text(max_size=12).map(nodes.String)),
    "Decimal": st.one_of(st.decimals(allow_nan=True, allow_infinity=True).map(lambda d: nodes.String(str(d))),
                         st.integers().map(nodes.Int), st.text(max_size=12).map(nodes.String)),
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def check(response: httpx.Response, sent: object) -> None:
    assert response.status_code < 500, (response.status_code, sent, response.text[:500])
    if response.status_code == 200 and not response.headers.get("content-type", "").startswith("application/json"):
        return
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, (code, error, sent)
        assert code != "INTERNAL", (error, sent)
    if response.status_code >= 400:
        assert body.get("errors"), (response.status_code, sent, body)


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def fuzz_queries(client, examples: int, mode: Mode, derandomize: bool) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize,
              suppress_health_check=list(HealthCheck))
    @given(query=queries(SDL, custom_scalars=SCALARS, mode=mode))
    def run(query: str) -> None:
        check(client.post("/api/graphql", json={"query": query}), query)

    run()


def fuzz_request_objects(client, examples: int, derandomize: bool) -> None:
    request = st.fixed_dictionaries({}, optional={
        "query": st.one_of(JSON, st.sampled_from(["{ viewer { userName } }", "query Q { dataFreshness { __typename } }",
                                                  "query($v: Int!) { jobs(first: $v) { totalCount } }"])),
        "variables": JSON, "operationName": JSON, "extensions": JSON,
    })

    @settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize,
              suppress_health_check=list(HealthCheck))
    @given(body=st.one_of(request, JSON))
    def run(body) -> None:
        check(client.post("/api/graphql", json=body), body)

    run()


def test_the_documented_codes_are_the_products():
    from gql_monitor.errors import ERROR_CODES

    assert CODES == set(ERROR_CODES)


@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE])
def test_generated_queries_never_5xx_and_errors_carry_codes(client, mode):
    fuzz_queries(client, SHORT, mode, derandomize=True)


def test_arbitrary_request_objects_never_5xx_and_errors_carry_codes(client):
    fuzz_request_objects(client, SHORT * 2, derandomize=True)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE])
def test_long_fuzz_of_generated_queries(client, mode):
    fuzz_queries(client, LONG, mode, derandomize=False)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_long_fuzz_of_request_objects(client):
    fuzz_request_objects(client, LONG, derandomize=False)
