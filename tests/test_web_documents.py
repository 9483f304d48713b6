"""The web UI is a client like any other: every GraphQL document it sends must be valid against the committed
schema, both as written in web/src/graphql and as the build ships it (compacted) in the bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import build_schema, parse, print_ast, validate

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted((ROOT / "web" / "src" / "graphql").glob("*.graphql"))
BUILD_INFO = ROOT / "gql_monitor" / "static" / "build-info.json"


@pytest.fixture(scope="module")
def schema():
    return build_schema((ROOT / "schema.graphql").read_text())


def test_the_ui_has_documents():
    assert len(DOCUMENTS) >= 8, DOCUMENTS


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_is_valid_against_the_committed_schema(schema, path):
    assert validate(schema, parse(path.read_text())) == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_holds_one_named_operation(path):
    operations = [d for d in parse(path.read_text()).definitions if d.kind == "operation_definition"]
    assert len(operations) == 1 and operations[0].name is not None
    assert operations[0].name.value == path.stem, "name each file after its operation, so errors point at the file"


def test_shipped_documents_are_the_sources_compacted(schema):
    shipped = json.loads(BUILD_INFO.read_text())["documents"]
    assert sorted(shipped) == [p.name for p in DOCUMENTS]
    for path in DOCUMENTS:
        compact = shipped[path.name]
        assert validate(schema, parse(compact)) == [], path.name
        assert print_ast(parse(compact)) == print_ast(parse(path.read_text())), path.name
