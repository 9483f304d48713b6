"""Every recipe of docs/clients.md, run against the monitor on the stand-in: the code blocks are read out of the page,
so what the page says is what was run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from conftest import gql

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "clients.md").read_text()
SCHEMA = build_schema((ROOT / "schema.graphql").read_text())


def block(language: str) -> str:
    [found] = re.findall(rf"```{language}\n(.*?)```", PAGE, re.S)
    return found


def env(monitor, **more) -> dict[str, str]:
    return {**os.environ, "MONITOR_URL": monitor.base_url, **more}


def assert_valid(document: str) -> None:
    errors = validate(SCHEMA, parse(document))
    assert not errors, errors


def test_the_curl_recipe(monitor):
    out = subprocess.run(["bash", "-c", block("bash")], env=env(monitor, TOKEN="local-admin"), capture_output=True,
                         text=True, timeout=60, check=True).stdout
    body = json.loads(out)
    assert "errors" not in body, body
    assert body["data"]["viewer"]["userName"] == "admin@example.com"
    assert len(body["data"]["jobs"]["nodes"]) == 5
    assert body["extensions"]["cost"]["warehouseStatements"] >= 0


def test_the_python_recipe_with_service_principal_oauth(monitor, workspace):
    """The SDK's OAuth M2M (the stand-in's service principal), its headers on httpx: as a dashboard job would."""
    result = subprocess.run(
        [sys.executable, "-c", block("python")], capture_output=True, text=True, timeout=120,
        env=env(monitor, DATABRICKS_HOST=workspace.base_url, DATABRICKS_CLIENT_ID="local-sp",
                DATABRICKS_CLIENT_SECRET="local-sp-secret"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 10
    with monitor.client("local-admin") as client:
        expected = gql(client, "{ jobs(first: 10, orderBy: PRIORITY) { nodes { name health { priority } } } }")
    assert lines == [f"{j['health']['priority']} {j['name']}" for j in expected["data"]["jobs"]["nodes"]]


def test_the_grafana_dashboard(monitor):
    dashboard = json.loads(block("json"))
    [target] = dashboard["panels"][0]["targets"]
    document = target["url_options"]["data"]
    assert_valid(document)
    assert target["url"].endswith("/api/graphql") and target["url_options"]["method"] == "POST"
    with monitor.client("local-admin") as client:
        body = gql(client, document)
    rows = body
    for step in target["root_selector"].split("."):
        rows = rows[step]
    assert rows, "the demo has alerts"
    for column in target["columns"]:
        for row in rows:
            value = row
            for step in column["selector"].split("."):
                value = value[step] if value is not None else None
            assert value is None or isinstance(value, str), column


def test_the_typescript_document(monitor):
    document = block("graphql")
    assert_valid(document)
    with monitor.client("local-admin") as client:
        body = gql(client, document, {"first": 5})
    assert body["data"]["alerts"]["totalCount"] >= len(body["data"]["alerts"]["nodes"]) > 0
