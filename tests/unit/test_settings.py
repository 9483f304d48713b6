import pytest

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
    ],
)
def test_bad_values_are_refused_with_their_name(name, value):
    with pytest.raises(ConfigError) as err:
        Settings.from_env({**BASE, name: value})
    assert name in str(err.value)


def test_app_environment_and_allowed_users():
    settings = Settings.from_env({**BASE, "DATABRICKS_APP_NAME": "mon", "GQL_MONITOR_ALLOWED_USERS": "a@x, b@x"})
    assert settings.in_databricks_app
    assert settings.allowed_users == {"a@x", "b@x"}
