"""The deployment files agree with the code: app.yaml starts the real console script with variables the monitor
reads, databricks.yml declares every resource and variable they refer to, requirements.txt installs this package at
versions pyproject.toml allows. (Whether the platform accepts them is only known on a workspace; docs/deployment.md.)
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from gql_monitor import cli
from gql_monitor.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# What Databricks Apps inject into every app's environment (docs: databricks-apps/system-env).
PLATFORM_ENV = {
    "DATABRICKS_APP_NAME": "gql-monitor",
    "DATABRICKS_APP_PORT": "8000",
    "DATABRICKS_HOST": "example.cloud.databricks.com",
    "DATABRICKS_WORKSPACE_ID": "1234567890123456",
    "DATABRICKS_CLIENT_ID": "00000000-0000-0000-0000-000000000000",
    "DATABRICKS_CLIENT_SECRET": "secret",
}
# Read by the CLI itself rather than Settings: the port `serve` listens on.
CLI_ENV = {"DATABRICKS_APP_PORT"}


@pytest.fixture(scope="module")
def app_yaml() -> dict:
    return yaml.safe_load((ROOT / "app.yaml").read_text())


@pytest.fixture(scope="module")
def bundle() -> dict:
    return yaml.safe_load((ROOT / "databricks.yml").read_text())


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def app_resource(bundle) -> dict:
    [app] = bundle["resources"]["apps"].values()
    return app


class _Recording(dict):
    """An environment that remembers which names were looked up."""

    def __init__(self, values: dict) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


def _names_read_by_settings() -> set[str]:
    env = _Recording(PLATFORM_ENV | {"DATABRICKS_WAREHOUSE_ID": "abc123"})
    Settings.from_env(env)
    return env.asked


def _app_environment(app_yaml: dict) -> dict:
    """The environment the platform would start the app with; valueFrom stands for a warehouse id."""
    env = dict(PLATFORM_ENV)
    for entry in app_yaml.get("env", []):
        env[entry["name"]] = entry["value"] if "value" in entry else "0123456789abcdef"
    return env


def _value_from_keys(node) -> list[str]:
    """Every valueFrom (app.yaml) / value_from (bundle `config`) anywhere in a document."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("valueFrom", "value_from"):
                found.append(value)
            else:
                found.extend(_value_from_keys(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_value_from_keys(item))
    return found


# -- app.yaml ------------------------------------------------------------------------------------------------------


def test_command_is_the_console_script_as_a_sequence(app_yaml, pyproject):
    command = app_yaml["command"]
    # Apps run `command` without a shell: a string would be one program name, and $VARS would stay literal.
    assert isinstance(command, list) and all(isinstance(part, str) for part in command)
    assert not any("$" in part or part != shlex.quote(part) for part in command), command
    assert pyproject["project"]["scripts"][command[0]] == "gql_monitor.cli:main"


def test_command_arguments_are_valid(app_yaml):
    args = cli._parser().parse_args(app_yaml["command"][1:])
    assert args.command == "serve"
    # Host and port come from the App's environment, not from the command line.
    assert args.host is None and args.port is None


def test_env_names_are_read_by_the_monitor(app_yaml):
    names = {entry["name"] for entry in app_yaml["env"]}
    assert "DATABRICKS_WAREHOUSE_ID" in names and "GQL_MONITOR_DATA_ACCESS" in names
    assert names <= _names_read_by_settings() | CLI_ENV, names - _names_read_by_settings() - CLI_ENV


def test_env_entries_have_one_value_each(app_yaml):
    for entry in app_yaml["env"]:
        assert set(entry) in ({"name", "value"}, {"name", "valueFrom"}), entry
        if "value" in entry:
            assert isinstance(entry["value"], str), f"{entry['name']}: quote it, Apps take strings"


def test_the_app_environment_is_a_valid_configuration(app_yaml):
    settings = Settings.from_env(_app_environment(app_yaml))
    assert settings.in_databricks_app
    assert settings.host == "https://example.cloud.databricks.com"
    assert settings.client_id and settings.client_secret
    data_access = next(e["value"] for e in app_yaml["env"] if e["name"] == "GQL_MONITOR_DATA_ACCESS")
    assert settings.data_access == data_access


def test_value_from_keys_name_declared_resources(app_yaml, bundle, app_resource):
    declared = {resource["name"] for resource in app_resource["resources"]}
    keys = _value_from_keys(app_yaml) + _value_from_keys(bundle)
    assert keys, "DATABRICKS_WAREHOUSE_ID comes from the warehouse resource"
    assert set(keys) <= declared, set(keys) - declared


def test_warehouse_id_comes_from_the_warehouse_resource(app_yaml, app_resource):
    [entry] = [e for e in app_yaml["env"] if e["name"] == "DATABRICKS_WAREHOUSE_ID"]
    [resource] = [r for r in app_resource["resources"] if r["name"] == entry["valueFrom"]]
    assert resource["sql_warehouse"] == {"id": "${var.warehouse_id}", "permission": "CAN_USE"}


# -- databricks.yml ------------------------------------------------------------------------------------------------


def test_bundle_app_deploys_this_directory(app_resource):
    source = (ROOT / app_resource["source_code_path"]).resolve()
    assert source == ROOT
    assert (source / "app.yaml").is_file() and (source / "requirements.txt").is_file()


def test_bundle_requests_the_scopes_obo_needs(app_resource):
    assert "sql" in app_resource["user_api_scopes"]
    assert [p["level"] for p in app_resource["permissions"]] == ["CAN_USE"]


def test_bundle_variables_are_declared(bundle):
    text = (ROOT / "databricks.yml").read_text()
    used = set(re.findall(r"\$\{var\.([A-Za-z0-9_]+)\}", text))
    assert used <= set(bundle["variables"]), used - set(bundle["variables"])
    assert "default" not in bundle["variables"]["warehouse_id"], "the warehouse must be chosen, not guessed"
    for target in bundle["targets"].values():
        assert set(target.get("variables", {})) <= set(bundle["variables"])


def test_bundle_targets(bundle):
    targets = bundle["targets"]
    assert targets["dev"]["mode"] == "development" and targets["prod"]["mode"] == "production"
    assert [name for name, t in targets.items() if t.get("default")] == ["dev"]
    assert "root_path" in targets["prod"]["workspace"], "production mode requires an explicit root path"
    names = [bundle["variables"]["app_name"]["default"]] + [
        t["variables"]["app_name"] for t in targets.values() if "app_name" in t.get("variables", {})
    ]
    for name in names:
        assert re.fullmatch(r"[a-z0-9-]{2,30}", name), f"app names: lowercase, digits, dashes, <= 30: {name!r}"


# -- requirements.txt ----------------------------------------------------------------------------------------------


def _requirement_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_requirements_install_this_package():
    # `.` is resolved against pip's working directory, which on Apps is the uploaded source directory.
    assert "." in _requirement_lines()


def test_requirement_pins_fit_pyproject(pyproject):
    ranges = {canonicalize_name(Requirement(d).name): Requirement(d) for d in pyproject["project"]["dependencies"]}
    # The lock pins the dependencies of dependencies too (tests/test_lock.py); the direct ones must fit pyproject.
    pins = {canonicalize_name(p.name): p for p in (Requirement(line) for line in _requirement_lines() if line != ".")}
    assert set(ranges) <= set(pins), "pin every direct dependency"
    for name, wanted in ranges.items():
        pin = pins[name]
        [spec] = list(pin.specifier)
        assert spec.operator == "==", f"{pin}: pin exact versions"
        assert wanted.specifier.contains(spec.version), f"{pin} is outside pyproject's {wanted}"
        assert wanted.extras <= pin.extras, f"{pin}: the extras of pyproject's {wanted}"


def test_the_uploaded_source_fits_the_apps_size_limit(bundle):
    """Databricks Apps take at most 10 MB of source; the bundled UI and GraphiQL are most of it. Counted as `bundle
    deploy` uploads: this directory but the sync excludes (and what git would not hold: dot-dirs, caches)."""
    excluded = set(bundle["sync"]["exclude"])
    total = 0
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        # Excludes are gitignore-style paths from the root: a folder excludes everything below it.
        if any("/".join(parts[:n]) in excluded for n in range(1, len(parts) + 1)) or any(p.startswith(".") or p == "__pycache__" or p.endswith(".egg-info")
                                       for p in parts):
            continue
        if path.is_file():
            total += path.stat().st_size
    assert total <= 8_000_000, f"the upload is {total} bytes; the limit is 10 MB"
