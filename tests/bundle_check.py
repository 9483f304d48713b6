"""What `databricks bundle validate` and the Apps runtime would refuse in databricks.yml and app.yaml, checked
without a workspace: the bundle with its variables resolved for each target, its app resource read by the typed
models of `databricks-bundles` (unknown keys and wrong types are errors there), its scopes against the ones Apps
offer, and app.yaml against the keys the Apps runtime reads."""

from __future__ import annotations

import copy
import re
from typing import Any

from databricks.bundles.apps import App

# User authorization scopes an app may request (docs: databricks-apps/auth; shared/reference/platform.md 3.5). The
# first two are always granted; the rest are what `user_api_scopes` may list.
APP_SCOPES = frozenset({
    "iam.current-user:read", "iam.access-control:read", "sql", "dashboards.genie", "files.files",
    "serving.serving-endpoints", "catalog.catalogs:read", "catalog.schemas:read", "catalog.tables:read",
    "vector-search",
})
# The keys of app.yaml the Apps runtime reads (docs: databricks-apps/app-runtime).
APP_YAML_KEYS = frozenset({"command", "env"})
ENV_ENTRY_KEYS = frozenset({"name", "value", "valueFrom"})
BUNDLE_KEYS = frozenset({"bundle", "variables", "sync", "resources", "targets", "include", "workspace",
                         "permissions", "artifacts", "presets", "experimental", "run_as", "scripts"})
TARGET_KEYS = frozenset({"mode", "default", "variables", "workspace", "resources", "sync", "permissions",
                         "presets", "run_as", "git", "artifacts", "bundle", "cluster_id", "compute_id"})
_REFERENCE = re.compile(r"\$\{([^}]+)\}")


class BundleError(ValueError):
    pass


def _resolve(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _resolve(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, values) for item in node]
    if isinstance(node, str):
        def one(match: re.Match) -> str:
            name = match.group(1)
            if name not in values:
                raise BundleError(f"unknown reference ${{{name}}}")
            return values[name]
        return _REFERENCE.sub(one, node)
    return node


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def resolved_apps(bundle: dict, target: str, given: dict[str, str]) -> dict[str, App]:
    """The bundle's apps as `target` deploys them, with `given` variables (as `--var`) and each variable's default."""
    unknown = sorted(set(bundle) - BUNDLE_KEYS)
    if unknown:
        raise BundleError(f"unknown top-level key(s): {', '.join(unknown)}")
    targets = bundle.get("targets") or {}
    if target not in targets:
        raise BundleError(f"no target {target!r}")
    settings = targets[target] or {}
    unknown = sorted(set(settings) - TARGET_KEYS)
    if unknown:
        raise BundleError(f"target {target}: unknown key(s): {', '.join(unknown)}")
    declared = bundle.get("variables") or {}
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in (settings.get("variables") or {}):
            values[name] = str(settings["variables"][name])
        elif name in given:
            values[name] = given[name]
        elif isinstance(spec, dict) and "default" in spec:
            values[name] = str(spec["default"])
        else:
            raise BundleError(f"target {target}: variable {name} has no value (pass --var {name}=...)")
    for name in set(settings.get("variables") or {}) - set(declared):
        raise BundleError(f"target {target}: sets undeclared variable {name}")
    references = {f"var.{name}": value for name, value in values.items()}
    references |= {"bundle.name": bundle["bundle"]["name"], "bundle.target": target,
                   "workspace.current_user.userName": "someone@example.com"}
    resources = _merge(bundle.get("resources") or {}, settings.get("resources") or {})
    apps = {}
    for key, spec in (resources.get("apps") or {}).items():
        spec = _resolve(spec, references)
        try:
            app = App.from_dict(spec)
        except (ValueError, TypeError) as exc:
            raise BundleError(f"target {target}: app {key}: {exc}") from None
        bad = sorted(set(app.user_api_scopes) - APP_SCOPES)
        if bad:
            raise BundleError(f"target {target}: app {key}: unknown user_api_scopes: {', '.join(bad)}")
        if not re.fullmatch(r"[a-z0-9-]{2,30}", app.name):
            raise BundleError(f"target {target}: app {key}: name {app.name!r} is not 2-30 lowercase letters, digits "
                              "and dashes")
        apps[key] = app
    _ = _resolve(settings.get("workspace") or {}, references)
    return apps


def check_app_yaml(app_yaml: dict, resource_keys: set[str]) -> None:
    unknown = sorted(set(app_yaml) - APP_YAML_KEYS)
    if unknown:
        raise BundleError(f"app.yaml: unknown key(s): {', '.join(unknown)}")
    command = app_yaml.get("command")
    if not isinstance(command, list) or not command or not all(isinstance(part, str) for part in command):
        raise BundleError("app.yaml: command must be a non-empty list of strings")
    for entry in app_yaml.get("env") or []:
        if not isinstance(entry, dict) or set(entry) - ENV_ENTRY_KEYS or "name" not in entry:
            raise BundleError(f"app.yaml: env entry {entry!r} must have a name and one of value, valueFrom")
        if ("value" in entry) == ("valueFrom" in entry):
            raise BundleError(f"app.yaml: env {entry['name']}: give exactly one of value and valueFrom")
        if "value" in entry and not isinstance(entry["value"], str):
            raise BundleError(f"app.yaml: env {entry['name']}: value must be a string (quote it)")
        if "valueFrom" in entry and entry["valueFrom"] not in resource_keys:
            raise BundleError(f"app.yaml: env {entry['name']}: valueFrom {entry['valueFrom']!r} names no resource "
                              f"of the app ({', '.join(sorted(resource_keys))})")
