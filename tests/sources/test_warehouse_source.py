"""`gql_monitor.sources.warehouse.Warehouse` driven directly: the real databricks-sql-connector against the stand-in.

What the warehouse saw is read from the stand-in itself: its statement log (who ran what, with which parameters),
`client_settings` (session configuration and per-statement confOverlay, where query tags travel) and the request
counters of `counted_workspace` (how many calls were in flight at once).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta, timezone

import pytest

from gql_monitor.errors import BadUserInput, Forbidden, WarehouseUnavailable
from gql_monitor.local_workspace.identities import ADMIN as ADMIN_IDENTITY
from gql_monitor.principal import APP, Principal
from gql_monitor.questions.jobs import JobsQuery
from gql_monitor.sources import sql_files
from gql_monitor.sources.credentials import app_config
from gql_monitor.sources.warehouse import Warehouse
from gql_monitor.visibility.scope import ALL_JOBS
from conftest import NOW, monitor_settings
from source_stand_in import ADMIN, ANALYST, counted_workspace, traffic  # noqa: F401 - fixtures

WAREHOUSE_PATH = "/sql/1.0/warehouses/local"
SINCE = NOW - timedelta(days=31)


def _warehouse(ws, **overrides) -> Warehouse:
    settings = monitor_settings(ws, **overrides)
    config = app_config(settings)
    return Warehouse(settings, app_credentials=lambda: config.authenticate)


@pytest.fixture
def warehouse(counted_workspace, traffic):
    # One worker thread: were connections shared by thread instead of by credential, this is where it would show.
    wh = _warehouse(counted_workspace, warehouse_concurrency=1, statement_timeout_seconds=77)
    yield wh
    wh.close()


def _new_statements(ws, before: int):
    return list(ws.state.statements)[before:]


def _sessions_opened(ws, before: int) -> list[tuple[str, dict]]:
    return [(user, conf) for user, call, conf in list(ws.state.client_settings)[before:] if call == "OpenSession"]


async def test_each_principal_runs_on_its_own_connection(counted_workspace, warehouse):
    ws = counted_workspace
    statements, settings = len(ws.state.statements), len(ws.state.client_settings)

    await warehouse.fetch("data_freshness", {"since": SINCE}, ADMIN)
    with pytest.raises(Forbidden):
        await warehouse.fetch("data_freshness", {"since": SINCE}, ANALYST)
    await warehouse.fetch("data_freshness", {"since": SINCE}, ADMIN)
    await warehouse.fetch("data_freshness", {"since": SINCE}, APP)

    # Every statement reached the warehouse under its own caller, on the one worker thread.
    assert [s.user_name for s in _new_statements(ws, statements)] == [
        "admin@example.com", "analyst@example.com", "admin@example.com", "local-sp",
    ]
    # One session per credential, reused by the same caller: the admin's second statement opened none.
    assert sorted(user for user, _ in _sessions_opened(ws, settings)) == [
        "admin@example.com", "analyst@example.com", "local-sp",
    ]


async def test_a_new_token_for_the_same_user_opens_a_new_session(counted_workspace, warehouse):
    ws = counted_workspace
    await warehouse.fetch("data_freshness", {"since": SINCE}, ADMIN)
    settings = len(ws.state.client_settings)
    refreshed = Principal(ADMIN.user_name, ws.state.tokens.issue(ADMIN_IDENTITY))

    await warehouse.fetch("data_freshness", {"since": SINCE}, refreshed)

    assert [user for user, _ in _sessions_opened(ws, settings)] == ["admin@example.com"]


async def test_analyst_is_forbidden_with_the_missing_grant_named(counted_workspace, warehouse):
    ws = counted_workspace
    settings = len(ws.state.client_settings)
    with pytest.raises(Forbidden) as err:
        await warehouse.fetch("data_freshness", {"since": SINCE}, ANALYST)
    message = str(err.value)
    assert "USE SCHEMA on Schema 'system.lakeflow'" in message
    for schema in ("system.billing", "system.lakeflow", "system.access"):
        assert schema in message
    assert err.value.code == "FORBIDDEN"

    # A refused statement leaves a healthy session: the next one does not open another.
    with pytest.raises(Forbidden):
        await warehouse.fetch("data_freshness", {"since": SINCE}, ANALYST)
    assert len(_sessions_opened(ws, settings)) == 1


async def test_statements_carry_native_parameters(counted_workspace, warehouse):
    ws = counted_workspace
    before = len(ws.state.statements)
    await warehouse.fetch("data_freshness", {"since": SINCE}, ADMIN)

    [logged] = _new_statements(ws, before)
    # The text sent is the SQL file itself, markers and all; the value travelled as a typed parameter.
    assert logged.statement == sql_files.load("data_freshness")
    assert set(logged.parameters) == {"since"}
    assert logged.parameters["since"].replace(tzinfo=timezone.utc) == SINCE
    assert SINCE.strftime("%Y-%m-%d %H:%M") not in logged.statement


@pytest.mark.parametrize(
    "text",
    [
        "x' OR '1'='1",
        "'); DROP TABLE lakeflow.jobs; --",
        "orders%",  # instr(), not LIKE: no wildcards either
        "\\' UNION SELECT * FROM system.billing.usage --",
    ],
)
async def test_an_injection_in_a_parameter_is_only_data(counted_workspace, warehouse, text):
    ws = counted_workspace
    params = {**JobsQuery(now=NOW, limit=10_000).params(), **ALL_JOBS.params()}
    everything = await warehouse.fetch("jobs", params, ADMIN)
    assert everything, "the generated workspace has jobs"

    before = len(ws.state.statements)
    rows = await warehouse.fetch("jobs", {**params, "name_search": text}, ADMIN)

    # Exactly the jobs whose name contains the text, as text: none, for these.
    assert [r["job_key"] for r in rows] == [r["job_key"] for r in everything
                                            if text.lower() in (r["name"] or "").lower()] == []
    [logged] = _new_statements(ws, before)
    assert logged.parameters["name_search"] == text
    assert logged.statement == sql_files.load("jobs")
    # Nothing was dropped or widened: the same question without the filter answers as before.
    assert await warehouse.fetch("jobs", params, ADMIN) == everything


async def test_session_configuration_sets_the_statement_timeout_and_utc(counted_workspace, warehouse):
    ws = counted_workspace
    settings = len(ws.state.client_settings)
    await warehouse.fetch("data_freshness", {"since": SINCE}, ADMIN)

    [(user, configuration)] = _sessions_opened(ws, settings)
    assert user == "admin@example.com"
    assert configuration["STATEMENT_TIMEOUT"] == "77"
    assert configuration["TIMEZONE"] == "UTC"


async def test_statements_carry_query_tags_naming_the_monitor(counted_workspace, warehouse):
    ws = counted_workspace
    settings = len(ws.state.client_settings)
    await warehouse.fetch("data_freshness", {"since": SINCE}, ADMIN)

    overlays = [conf for _, call, conf in list(ws.state.client_settings)[settings:] if call == "ExecuteStatement"]
    assert [conf.get("query_tags") for conf in overlays] == ["app:gql-monitor,question:data_freshness"]


async def test_statements_run_off_the_event_loop_and_concurrently(counted_workspace, traffic):
    wh = _warehouse(counted_workspace, warehouse_concurrency=4)
    # Sessions first, so the calls below are just the two statements.
    await asyncio.gather(*(wh.fetch("data_freshness", {"since": SINCE}, ADMIN) for _ in range(2)))
    traffic.reset()
    # The stand-in holds the first statement until the second arrives: a source that blocked the event loop, or ran
    # statements one at a time, never sends the second while the first waits, and the hold runs out with a peak of 1.
    traffic.hold(WAREHOUSE_PATH, until_in_flight=2)
    try:
        first, second = await asyncio.gather(
            wh.fetch("data_freshness", {"since": SINCE}, ADMIN),
            wh.fetch("data_freshness", {"since": SINCE - timedelta(days=1)}, ADMIN),
        )
    finally:
        wh.close()

    assert first and second
    assert traffic.peak[WAREHOUSE_PATH] == 2, dict(traffic.peak)


@pytest.mark.parametrize("session_open", [True, False], ids=["open-session", "new-session"])
async def test_a_cold_starting_warehouse_is_warehouse_unavailable(counted_workspace, traffic, session_open):
    # One worker thread, so the failing statement meets the session the first one opened.
    wh = _warehouse(counted_workspace, warehouse_retry_seconds=2, warehouse_concurrency=1)
    try:
        if session_open:
            await wh.fetch("data_freshness", {"since": SINCE}, ADMIN)
        counted_workspace.faults.update({"warehouse_cold_start_seconds": 60})
        traffic.reset()
        before = counted_workspace.faults.injected()
        with pytest.raises(WarehouseUnavailable) as err:
            await wh.fetch("data_freshness", {"since": SINCE}, ADMIN)

        assert err.value.code == "WAREHOUSE_UNAVAILABLE"
        # Given up at once, not after waiting: the connector waits at least `_retry_delay_max` (10 s) before retrying
        # a 503, more than the 2 s budget, so each connection attempt meets one 503 (an open session's statement,
        # then the one reconnect's OpenSession).
        assert counted_workspace.faults.injected() - before == {"warehouse_503": 2 if session_open else 1}

        # Once the warehouse is up, the next statement works (on a fresh session).
        counted_workspace.faults.update({"warehouse_cold_start_seconds": 0})
        assert await wh.fetch("data_freshness", {"since": SINCE}, ADMIN)
    finally:
        wh.close()


async def test_app_credentials_that_are_refused_say_so(counted_workspace, traffic):
    wh = _warehouse(counted_workspace, client_secret="not-the-secret")
    try:
        with pytest.raises(WarehouseUnavailable) as err:
            await wh.fetch("data_freshness", {"since": SINCE}, APP)
    finally:
        wh.close()
    assert "app's credentials" in str(err.value) and "invalid_client" in str(err.value)


@pytest.mark.parametrize("value", ["x\ud800", ["ok", "\udfff"]], ids=["text", "list element"])
async def test_a_value_that_cannot_be_encoded_is_refused_without_a_retry(counted_workspace, warehouse, caplog, value):
    # The connector fails to encode such a statement on the client and retried that like a network error, holding a
    # warehouse worker for its whole retry budget. It is the caller's input, not a transient failure: refuse it
    # before the connector sees it.
    params = {**JobsQuery(now=NOW, limit=10).params(), **ALL_JOBS.params()}
    key = "name_search" if isinstance(value, str) else "job_keys"
    before = len(counted_workspace.state.statements)
    with caplog.at_level("INFO", logger="databricks"), pytest.raises(BadUserInput) as refused:
        await warehouse.fetch("jobs", {**params, key: value}, ADMIN)
    assert "\ud800" not in str(refused.value) and "\udfff" not in str(refused.value)
    assert not [r for r in caplog.records if r.name.startswith("databricks")], "the connector must not be tried"
    assert _new_statements(counted_workspace, before) == []
    # The worker is free and the session usable: the next statement answers.
    assert await warehouse.fetch("jobs", params, ADMIN)
