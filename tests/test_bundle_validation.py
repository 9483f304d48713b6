"""databricks.yml and app.yaml as Databricks would read them (tests/bundle_check.py): every target resolves, its app
passes the typed models of `databricks-bundles`, its scopes exist, and app.yaml uses only runtime keys and
resources the app declares. Each check is also shown failing on a broken copy, so a check that stopped checking
would be seen."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from bundle_check import BundleError, check_app_yaml, resolved_apps

ROOT = Path(__file__).resolve().parent.parent
GIVEN = {"warehouse_id": "0123456789abcdef"}


@pytest.fixture(scope="module")
def bundle() -> dict:
    return yaml.safe_load((ROOT / "databricks.yml").read_text())


@pytest.fixture(scope="module")
def app_yaml() -> dict:
    return yaml.safe_load((ROOT / "app.yaml").read_text())


@pytest.mark.parametrize("target", ["dev", "prod"])
def test_each_target_resolves_to_a_valid_app(bundle, app_yaml, target):
    [app] = resolved_apps(bundle, target, GIVEN).values()
    assert app.source_code_path == "."
    assert app.name == ("gql-monitor-dev" if target == "dev" else "gql-monitor")
    [warehouse] = [r for r in app.resources if r.sql_warehouse is not None]
    assert warehouse.sql_warehouse.id == GIVEN["warehouse_id"]
    check_app_yaml(app_yaml, {r.name for r in app.resources})


def broken(document: dict, path: list, value) -> dict:
    out = copy.deepcopy(document)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


APP = ["resources", "apps", "gql_monitor"]


@pytest.mark.parametrize("path, value, message", [
    (APP + ["sorce_code_path"], ".", "Unexpected field 'sorce_code_path'"),
    (APP + ["user_api_scopes"], "sql", "Unexpected type"),
    (APP + ["user_api_scopes"], ["sql", "jobs"], "unknown user_api_scopes: jobs"),
    (APP + ["permissions"], [{"group_name": "admins", "level": "CAN_OWN"}], "CAN_OWN"),
    (APP + ["name"], "${var.no_such_variable}", "unknown reference"),
    (APP + ["name"], "Gql_Monitor", "lowercase"),
    (["targets", "dev", "varables"], {}, "unknown key(s): varables"),
    (["resourcez"], {}, "unknown top-level key(s): resourcez"),
])
def test_a_broken_bundle_is_refused(bundle, path, value, message):
    with pytest.raises(BundleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolved_apps(broken(bundle, path, value), "dev", GIVEN)


def test_a_variable_without_a_value_is_refused(bundle):
    with pytest.raises(BundleError, match="variable warehouse_id has no value"):
        resolved_apps(bundle, "dev", {})


@pytest.mark.parametrize("change, message", [
    (lambda y: y.update(entrypoint="x"), "unknown key"),
    (lambda y: y["env"].append({"name": "X", "valueFrom": "warehouse"}), "names no resource"),
    (lambda y: y["env"].append({"name": "X", "value": 5}), "must be a string"),
    (lambda y: y["env"].append({"name": "X"}), "exactly one of value and valueFrom"),
    (lambda y: y["env"].append({"name": "X", "value": "1", "valueFrom": "sql-warehouse"}), "exactly one"),
    (lambda y: y.update(command="gql-monitor serve"), "non-empty list"),
])
def test_a_broken_app_yaml_is_refused(app_yaml, change, message):
    copy_ = copy.deepcopy(app_yaml)
    change(copy_)
    with pytest.raises(BundleError, match=message):
        check_app_yaml(copy_, {"sql-warehouse"})
