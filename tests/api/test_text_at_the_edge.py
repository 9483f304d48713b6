"""Every string a request carries is checked at the edge, before validation, coercion or any statement.

A lone UTF-16 surrogate (`"x\\ud800"` in JSON) once reached the connector, which could not encode the statement and
retried for its whole retry budget while holding a warehouse worker; in a `Decimal`/`DateTime` variable or in an input
field's name it gave a bare 500, because the error echoed it and the response could not be encoded.
"""

from __future__ import annotations

import json

import pytest
from graphql import parse, GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLScalarType

from conftest import gql
from gql_monitor.errors import BadUserInput
from gql_monitor.graphql.inputs import check_request_values
from gql_monitor.graphql.inputs import MAX_INPUT_STRING, MAX_LIST
from gql_monitor.graphql.schema import schema

SURROGATE = "x\ud800"
NUL = "a\x00b"
TOO_LONG = "7" * (MAX_INPUT_STRING + 1)

# (where the value goes, query with $v, variables given $v's value). Names are `Type.field` of the schema.
WHERE = [
    ("Query.job.id", "query($v: ID!) { job(id: $v) { id } }", lambda v: {"v": v}),
    ("Query.run.id", "query($v: ID!) { run(id: $v) { id } }", lambda v: {"v": v}),
    ("Query.liveRun.id", "query($v: ID!) { liveRun(id: $v) { lifeCycleState } }", lambda v: {"v": v}),
    ("Query.jobs.after", "query($v: String) { jobs(first: 5, after: $v) { totalCount } }", lambda v: {"v": v}),
    ("Query.runs.after", "query($v: String) { runs(first: 5, after: $v) { totalCount } }", lambda v: {"v": v}),
    ("Query.activeRuns.after", "query($v: String) { activeRuns(after: $v) { nodes { id } } }", lambda v: {"v": v}),
    ("Query.alerts.after", "query($v: String) { alerts(first: 5, after: $v) { totalCount } }", lambda v: {"v": v}),
    ("Query.alerts.workspaceId", "query($v: String) { alerts(first: 5, workspaceId: $v) { totalCount } }",
     lambda v: {"v": v}),
    ("Query.costs.tagKey", "query($v: String) { costs(window: {lastDays: 3}, groupBy: TAG, tagKey: $v) "
     "{ total { amount } } }", lambda v: {"v": v}),
    ("Query.costInsights.tagKey", "query($v: String) { costInsights(tagKey: $v) { tagKey } }", lambda v: {"v": v}),
    ("JobFilter.nameContains", "query($v: String) { jobs(first: 5, filter: {nameContains: $v}) { totalCount } }",
     lambda v: {"v": v}),
    ("JobFilter.workspaceId", "query($v: String) { jobs(first: 5, filter: {workspaceId: $v}) { totalCount } }",
     lambda v: {"v": v}),
    ("JobFilter.runAs", "query($v: String) { jobs(first: 5, filter: {runAs: $v}) { totalCount } }",
     lambda v: {"v": v}),
    ("JobFilter.creator", "query($v: String) { jobs(first: 5, filter: {creator: $v}) { totalCount } }",
     lambda v: {"v": v}),
    ("TagFilter.key", "query($v: String!) { jobs(first: 5, filter: {tags: [{key: $v}]}) { totalCount } }",
     lambda v: {"v": v}),
    ("TagFilter.value", 'query($v: String) { jobs(first: 5, filter: {tags: [{key: "team", value: $v}]}) '
     "{ totalCount } }", lambda v: {"v": v}),
    # A whole input object in one variable: the value sits inside it.
    ("JobFilter.tags (in an object variable)", "query($f: JobFilter) { jobs(first: 5, filter: $f) { totalCount } }",
     lambda v: {"f": {"tags": [{"key": "team", "value": v}]}}),
    ("RunFilter.workspaceId", "query($v: String) { runs(first: 5, filter: {workspaceId: $v}) { totalCount } }",
     lambda v: {"v": v}),
    ("RunFilter.jobIds", "query($v: [ID!]) { runs(first: 5, filter: {jobIds: $v}) { totalCount } }",
     lambda v: {"v": ["1234567890123456:1", v]}),
    ("RunFilter.terminationCodes", "query($v: [String!]) { runs(first: 5, filter: {terminationCodes: $v}) "
     "{ totalCount } }", lambda v: {"v": ["SUCCESS", v]}),
    ("TimeWindowInput.start", "query($v: DateTime) { runs(first: 5, window: {start: $v}) { totalCount } }",
     lambda v: {"v": v}),
    ("TimeWindowInput.end", 'query($v: DateTime) { runs(first: 5, window: {start: "2026-11-01T00:00:00Z", end: $v}) '
     "{ totalCount } }", lambda v: {"v": v}),
    ("CostFilter.workspaceId", "query($v: String) { costs(window: {lastDays: 3}, groupBy: SKU, filter: "
     "{workspaceId: $v}) { total { amount } } }", lambda v: {"v": v}),
    ("CostFilter.skus", "query($v: [String!]) { costs(window: {lastDays: 3}, groupBy: SKU, filter: {skus: $v}) "
     "{ total { amount } } }", lambda v: {"v": ["ok", v]}),
    ("CostFilter.products", "query($v: [String!]) { costs(window: {lastDays: 3}, groupBy: SKU, filter: "
     "{products: $v}) { total { amount } } }", lambda v: {"v": [v]}),
    ("CostFilter.minListCost", "query($v: Decimal) { costs(window: {lastDays: 3}, groupBy: SKU, filter: "
     "{minListCost: $v}) { total { amount } } }", lambda v: {"v": v}),
    # Nested fields take the same input types.
    ("Job.runs.after", 'query($v: String) { jobs(first: 1) { nodes { runs(first: 1, after: $v) { totalCount } } } }',
     lambda v: {"v": v}),
]


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def _refused_at_once(response) -> dict:
    body = response.json()
    if response.status_code == 400:
        # A lone surrogate escaped in JSON is refused with the body, before GraphQL (http/graphql_route.py).
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
        return body
    assert response.status_code == 200, response.text[:500]
    assert body["data"] is None, body
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body["errors"]
    assert body["extensions"]["cost"]["warehouseStatements"] == 0
    assert body["extensions"]["cost"]["jobsApiCalls"] == 0
    return body


def _post(client, payload: dict):
    # json.dumps escapes a lone surrogate as \ud800, as a browser or another client would send it.
    return client.post("/api/graphql", content=json.dumps(payload), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("bad", [SURROGATE, NUL, TOO_LONG], ids=["lone surrogate", "NUL", "too long"])
@pytest.mark.parametrize("where, query, variables", WHERE, ids=[w[0] for w in WHERE])
def test_malformed_text_is_refused_before_anything_runs(client, where, query, variables, bad):
    body = _refused_at_once(_post(client, {"query": query, "variables": variables(bad)}))
    message = body["errors"][0]["message"]
    assert bad not in message and "\ufffd" not in message  # named, never echoed


@pytest.mark.parametrize("where, query, variables", WHERE, ids=[w[0] for w in WHERE])
def test_the_edge_check_itself_refuses_a_lone_surrogate(where, query, variables):
    # Over HTTP the body check (http/graphql_route.py) refuses a lone surrogate in JSON first; the edge check holds
    # for whatever reaches the schema another way.
    with pytest.raises(BadUserInput) as refused:
        check_request_values(parse(query), variables(SURROGATE))
    assert SURROGATE not in str(refused.value)


def test_every_string_input_of_the_schema_is_covered():
    """The cases above name every string-like argument and input field, so a new one cannot be forgotten."""
    wanted: set[str] = set()
    textual = {"String", "ID", "DateTime", "Decimal"}

    def named(type_):
        while isinstance(type_, (GraphQLNonNull, GraphQLList)):
            type_ = type_.of_type
        return type_

    for type_name, type_ in schema._schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                inner = named(field.type)
                if isinstance(inner, GraphQLScalarType) and inner.name in textual:
                    wanted.add(f"{type_name}.{field_name}")
        elif hasattr(type_, "fields") and not isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                for arg_name, arg in field.args.items():
                    inner = named(arg.type)
                    if isinstance(inner, GraphQLScalarType) and inner.name in textual:
                        wanted.add(f"{type_name}.{field_name}.{arg_name}")
    covered = {w[0] for w in WHERE}
    # Subscriptions are served over websockets only; tests/api/test_subscriptions.py sends their text there
    # (test_invalid_operations_get_a_coded_error_and_the_connection_stays, test_malformed_messages_...).
    covered |= {"Subscription.run.id"}
    # Job.runs and Query.runs take the same input types; `Job.runs.after` stands for the nested run lists.
    assert wanted - covered <= {"Job.runs.after"} | {n for n in wanted if n.endswith(".runs.after")}, \
        wanted - covered


def test_a_literal_with_an_escaped_nul_is_refused(client):
    _refused_at_once(_post(client, {"query": '{ jobs(first: 5, filter: {nameContains: "a\\u0000b"}) { totalCount } }'}))


def test_a_malformed_input_field_name_is_refused_not_echoed(client):
    response = _post(client, {"query": "query($f: JobFilter) { jobs(first: 5, filter: $f) { totalCount } }",
                              "variables": {"f": {SURROGATE: "x"}}})
    _refused_at_once(response)


def test_variables_the_document_does_not_declare_are_never_read(client):
    body = gql(client, "{ viewer { userName } }", {"unused": "x" * (MAX_INPUT_STRING + 1)})
    assert body["data"]["viewer"]["userName"]


def test_a_well_formed_operation_name_still_selects_the_operation(client):
    body = gql_named(client, "query A { viewer { userName } } query B { dataFreshness { checkedAt } }", "B")
    assert set(body["data"]) == {"dataFreshness"}


def gql_named(client, query: str, operation: str) -> dict:
    response = _post(client, {"query": query, "operationName": operation})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body


def test_a_malformed_operation_name_is_never_echoed(client):
    response = _post(client, {"query": "query A { viewer { userName } }", "operationName": SURROGATE})
    assert response.status_code < 500, response.text[:300]
    response.content.decode("utf-8")  # the answer is well-formed
    assert "\\ud800" not in response.text


@pytest.mark.parametrize("query, variables", [
    ("query($v: [ResultState!]) { runs(first: 1, filter: {resultStates: $v}) { totalCount } }",
     {"v": ["FAILED"] * 1_000}),  # the review sent 200,000; the body limits now refuse that many values first
    ("query($v: [TriggerType!]) { runs(first: 1, filter: {triggerTypes: $v}) { totalCount } }",
     {"v": ["CRON"] * (MAX_LIST + 1)}),
    ("query($v: [ID!]) { runs(first: 1, filter: {jobIds: $v}) { totalCount } }",
     {"v": [f"1234567890123456:{i}" for i in range(MAX_LIST + 1)]}),
    ("{ runs(first: 1, filter: {resultStates: [%s]}) { totalCount } }" % ", ".join(["FAILED"] * (MAX_LIST + 1)), {}),
    ("query($f: RunFilter) { runs(first: 1, filter: $f) { totalCount } }",
     {"f": {"runTypes": ["JOB_RUN"] * (MAX_LIST + 1)}}),
    ("query($f: JobFilter) { jobs(first: 1, filter: $f) { totalCount } }",
     {"f": {"priorities": ["P1"] * (MAX_LIST + 1)}}),
], ids=["1,000 enum values", "51 enum values", "51 ids", "51 literal enum values", "51 in an object variable",
        "51 priorities"])
def test_every_list_argument_is_capped(client, query, variables):
    body = _refused_at_once(_post(client, {"query": query, "variables": variables}))
    assert str(MAX_LIST) in body["errors"][0]["message"]


def test_a_list_at_the_cap_is_accepted(client):
    body = gql(client, "query($v: [ResultState!]) { runs(first: 1, filter: {resultStates: $v}) { totalCount } }",
               {"v": ["FAILED"] * MAX_LIST})
    assert body["data"]["runs"]["totalCount"] >= 0


def test_well_formed_unicode_still_passes(client):
    body = gql(client, "query($v: String) { jobs(first: 5, filter: {nameContains: $v}) { totalCount } }",
               {"v": "ünïcødé ✓ 😀"})
    assert body["data"]["jobs"]["totalCount"] >= 0
