import contextlib
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pydantic
import pytest

from gql_monitor import cli

from gql_monitor.clock import parse_instant, system_clock

from gql_monitor.settings import ConfigError, Settings, markdown_table

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
        ("GQL_MONITOR_STATEMENT_TIMEOUT_SECONDS", "10.0"),
        ("GQL_MONITOR_MAX_BODY_BYTES", "1e6"),
        ("GQL_MONITOR_JOB_VISIBILITY", "everyone"),
        ("GQL_MONITOR_JOB_VISIBILITY", "acl"),
        ("GQL_MONITOR_LOG_FORMAT", "xml"),
        ("GQL_MONITOR_FULL_VIEW_GROUPS", "admins," + "g" * 300),
        ("GQL_MONITOR_FULL_VIEW_GROUPS", "admins,fin\tops"),
        ("GQL_MONITOR_PERMISSIONS_RETRY_WAIT_MS", "1.5"),
        ("GQL_MONITOR_PERMISSIONS_CACHE_SECONDS", "0"),
    ],
)
def test_bad_values_are_refused_with_their_name(name, value):
    with pytest.raises(ConfigError) as err:
        Settings.from_env({**BASE, name: value})
    assert name in str(err.value)


def test_visibility_by_permissions_from_the_environment():
    settings = Settings.from_env({**BASE, "GQL_MONITOR_JOB_VISIBILITY": "Permissions",
                                  "GQL_MONITOR_FULL_VIEW_GROUPS": " admins , FinOps ,,"})
    assert (settings.job_visibility, settings.full_view_groups) == ("permissions", frozenset({"admins", "FinOps"}))
    default = Settings.from_env(BASE)
    assert (default.job_visibility, default.full_view_groups) == ("all", frozenset({"admins"}))


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


# -- the documented table ------------------------------------------------------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_table() -> str:
    text = README.read_text()
    start = text.index("<!-- settings table: generated by `gql-monitor settings` -->\n")
    start = text.index("\n", start) + 1
    return text[start:text.index("<!-- end of settings table -->", start)]


def _rows() -> list[tuple[str, str, str]]:
    """(variable, default, allowed) of each row of README.md's table."""
    rows = []
    for line in _readme_table().splitlines()[2:]:
        variable, default, allowed = (cell.strip() for cell in line.strip("|").split("|")[:3])
        rows.append((variable.strip("`"), default.strip("`"), allowed))
    return rows


class _Recording(dict):
    def __init__(self, values: dict) -> None:
        super().__init__(values)
        self.asked: list[str] = []

    def get(self, key, default=None):
        self.asked.append(key)
        return super().get(key, default)


def test_the_readme_table_is_the_generated_one():
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli.main(["settings"]) == 0
    assert printed.getvalue() == markdown_table()
    assert _readme_table() == markdown_table(), "run `gql-monitor settings` and paste it into README.md"


def test_the_table_lists_exactly_the_variables_read():
    env = _Recording(BASE)
    Settings.from_env(env)
    assert [variable for variable, _, _ in _rows()] == env.asked


def test_every_documented_bound_is_enforced_at_both_ends():
    bounded = [(variable, allowed) for variable, _, allowed in _rows() if ".." in allowed]
    assert len(bounded) >= 10
    for variable, allowed in bounded:
        # Thresholds of the insight rules are fractional (a share, a ratio); everything else is whole.
        low, high = ((float if "." in end else int)(end.replace(",", "")) for end in allowed.split(".."))
        for inside in (low, high):
            assert Settings.from_env({**BASE, variable: str(inside)}).model_dump(by_alias=True)[variable] == inside
        for outside in (low - 1, high + 1):
            with pytest.raises(ConfigError, match=rf"^{variable} must be between {low} and {high}, got {outside}$"):
                Settings.from_env({**BASE, variable: str(outside)})


def test_documented_defaults_are_the_defaults():
    documented = [(variable, default) for variable, default, _ in _rows() if not default.startswith("(")]
    assert len(documented) >= 10
    unset = Settings.from_env(BASE)
    for variable, default in documented:
        assert Settings.from_env({**BASE, variable: default}) == unset, variable


def test_documented_allowed_values_are_accepted():
    for variable, _, allowed in _rows():
        for value in re.findall(r"`([^`]+)`", allowed):
            Settings.from_env({**BASE, variable: value})


def test_several_bad_values_are_named_on_one_line():
    with pytest.raises(ConfigError) as err:
        Settings.from_env({**BASE, "GQL_MONITOR_INTROSPECTION": "maybe", "GQL_MONITOR_MAX_QUERY_COST": "1"})
    message = str(err.value)
    assert "\n" not in message
    assert "GQL_MONITOR_INTROSPECTION must be true or false, got 'maybe'" in message
    assert "GQL_MONITOR_MAX_QUERY_COST must be between 100 and 10000000, got 1" in message


def test_an_empty_variable_is_unset():
    assert Settings.from_env({**BASE, "GQL_MONITOR_MAX_QUERY_COST": " ", "GQL_MONITOR_DATA_ACCESS": ""}) == \
        Settings.from_env(BASE)


def test_overrides_in_code_are_validated_too():
    with pytest.raises(pydantic.ValidationError):
        Settings.for_stand_in("http://127.0.0.1:1", warehouse_concurrency=0)
    with pytest.raises(pydantic.ValidationError):
        Settings.for_stand_in("http://127.0.0.1:1", warehouse_concurency=4)
