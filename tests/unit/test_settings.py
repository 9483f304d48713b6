from datetime import datetime, timedelta, timezone

import pytest

from gql_monitor.clock import parse_instant, system_clock

from gql_monitor.settings import ConfigError, Settings

BASE = {"DATABRICKS_HOST": "https://example.cloud.databricks.com", "DATABRICKS_WAREHOUSE_ID": "abc123",
        "DATABRICKS_TOKEN": "dapi-x"}


def test_reads_the_standard_databricks_variables():
    settings = Settings.from_env(BASE)
    assert settings.host == "https://example.cloud.databricks.com"
    assert settings.warehouse_http_path == "/sql/1.0/warehouses/abc123"
    assert settings.data_access == "service-principal"
    assert not settings.is_local


def test_names_every_missing_variable():
    with pytest.raises(ConfigError) as err:
        Settings.from_env({})
    message = str(err.value)
    for name in ("DATABRICKS_HOST", "DATABRICKS_WAREHOUSE_ID", "DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID"):
        assert name in message


def test_client_credentials_replace_a_token():
    env = {**BASE, "DATABRICKS_CLIENT_ID": "sp", "DATABRICKS_CLIENT_SECRET": "s"}
    del env["DATABRICKS_TOKEN"]
    assert Settings.from_env(env).client_id == "sp"


def test_a_host_without_scheme_is_https():
    assert Settings.from_env({**BASE, "DATABRICKS_HOST": "example.cloud.databricks.com"}).host.startswith("https://")


@pytest.mark.parametrize(
    "name, value",
    [
        ("GQL_MONITOR_DATA_ACCESS", "everyone"),
        ("GQL_MONITOR_STATEMENT_TIMEOUT_SECONDS", "soon"),
        ("GQL_MONITOR_STATEMENT_TIMEOUT_SECONDS", "999999"),
        ("GQL_MONITOR_WAREHOUSE_CONCURRENCY", "-1"),
        ("DATABRICKS_WAREHOUSE_ID", "abc; DROP TABLE x"),
        ("DATABRICKS_HOST", "ftp://x"),
        ("GQL_MONITOR_NOW", "yesterday"),
        ("GQL_MONITOR_NOW", "2026-13-01T00:00:00Z"),
        ("GQL_MONITOR_CACHE_MAX_BYTES", "1000"),
        ("GQL_MONITOR_CACHE_MAX_BYTES", "256MB"),
        ("GQL_MONITOR_HEALTH_REFRESH_SECONDS", "0"),
    ],
)
def test_bad_values_are_refused_with_their_name(name, value):
    with pytest.raises(ConfigError) as err:
        Settings.from_env({**BASE, name: value})
    assert name in str(err.value)


def test_cache_budget_and_health_interval_from_the_environment():
    settings = Settings.from_env({**BASE, "GQL_MONITOR_CACHE_MAX_BYTES": "67108864",
                                  "GQL_MONITOR_HEALTH_REFRESH_SECONDS": "60"})
    assert (settings.cache_max_bytes, settings.health_refresh_seconds) == (64 * 1024 * 1024, 60)
    assert Settings.from_env(BASE).cache_max_bytes == 256 * 1024 * 1024


def test_app_environment_and_allowed_users():
    settings = Settings.from_env({**BASE, "DATABRICKS_APP_NAME": "mon", "GQL_MONITOR_ALLOWED_USERS": "a@x, b@x"})
    assert settings.in_databricks_app
    assert settings.allowed_users == {"a@x", "b@x"}


def test_the_clock_is_the_system_clock_unless_pinned():
    assert Settings.from_env(BASE).clock is system_clock
    pinned = Settings.from_env({**BASE, "GQL_MONITOR_NOW": "2026-11-20T12:07:00Z"}).clock
    assert pinned() == pinned() == datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-20T12:07:00Z", datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)),
        ("2026-11-20T12:07:00z", datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)),
        ("2026-11-20 12:07", datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)),  # no offset: UTC
        ("2026-11-20T04:07:00-08:00", datetime(2026, 11, 20, 12, 7, tzinfo=timezone.utc)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=timezone.utc)),
    ],
)
def test_instants_are_read_as_aware_utc(text, expected):
    value = parse_instant(text)
    assert value == expected and value.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["", "   ", "now", "2026-11-20T25:00:00Z", "1700000000"])
def test_a_malformed_instant_says_what_is_expected(text):
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_instant(text)
