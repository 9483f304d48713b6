"""Logs: an expected error is one line with its code and operation; only INTERNAL errors carry a traceback."""

from __future__ import annotations

import logging

import pytest
import strawberry

from gql_monitor.graphql.extensions import ErrorCodes
from gql_monitor.graphql.schema import MonitorSchema

REPEAT = 6


def lines_by_record(caplog) -> list[tuple[logging.LogRecord, int]]:
    """Each error-related record (any logger of the product or of strawberry) and how many lines it writes."""
    out = []
    for record in caplog.records:
        if record.name.startswith(("gql_monitor", "strawberry")) and record.levelno >= logging.WARNING:
            out.append((record, len(caplog.handler.format(record).splitlines())))
    return out


@pytest.mark.parametrize("token, query, code", [
    ("local-admin", 'query BadId { job(id: "42") { id } }', "BAD_USER_INPUT"),  # refused by a resolver
    ("local-admin", "query Typo { jobs(first: 1) { nodes { nope } } }", "BAD_USER_INPUT"),  # refused by validation
    ("local-admin", "query Big { jobs(first: 100) { nodes { runs(first: 100) { nodes { id runId startTime endTime resultState } } } } }",
     "QUERY_TOO_COMPLEX"),
    ("local-analyst", "query NoGrant { costs(window: {lastDays: 7}, groupBy: SKU) { total { amount } } }",
     "FORBIDDEN"),
])
def test_expected_errors_log_one_line_each_with_code_and_operation(monitor, caplog, token, query, code):
    operation = query.split()[1]
    with monitor.client(token) as client:
        with caplog.at_level(logging.INFO):
            for _ in range(REPEAT):
                body = client.post("/api/graphql", json={"query": query}).json()
                assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    logged = lines_by_record(caplog)
    assert len(logged) == REPEAT, [r.getMessage() for r, _ in logged]
    for record, lines in logged:
        assert lines == 1, caplog.handler.format(record)
        assert record.exc_info is None
        message = record.getMessage()
        assert f"code={code}" in message and repr(operation) in message, message


@strawberry.type
class _Query:
    @strawberry.field
    def boom(self) -> int | None:
        raise RuntimeError("a bug with password=hunter2 in its message")

    @strawberry.field
    def fine(self) -> int:
        return 1


async def test_internal_errors_log_one_traceback_and_are_masked(caplog):
    schema = MonitorSchema(query=_Query, extensions=[ErrorCodes])
    with caplog.at_level(logging.INFO):
        result = await schema.execute("query Explodes { boom fine }")
    assert result.data == {"boom": None, "fine": 1}
    assert [e.extensions["code"] for e in result.errors] == ["INTERNAL"]
    assert "hunter2" not in result.errors[0].message
    logged = lines_by_record(caplog)
    assert len(logged) == 1, [r.getMessage() for r, _ in logged]
    record, lines = logged[0]
    assert record.levelno == logging.ERROR and "code=INTERNAL" in record.getMessage()
    assert "'Explodes'" in record.getMessage() and "boom" in record.getMessage()
    assert record.exc_info is not None and lines > 3, "the traceback is what makes an INTERNAL error fixable"


def test_log_lines_stay_one_line_whatever_the_caller_sends(monitor, caplog):
    hostile = "Q\nFAKE LOG LINE code=INTERNAL\r\n"
    with monitor.client() as client, caplog.at_level(logging.INFO):
        client.post("/api/graphql", json={"query": 'query { job(id: "4\\n2") { id } }', "operationName": hostile})
        client.post("/api/graphql", json={"query": 'query { job(id: "4\\n2") { id } }'})
    logged = lines_by_record(caplog)
    assert len(logged) == 2 and all(lines == 1 for _, lines in logged), [r.getMessage() for r, _ in logged]
