"""The web UI is a client like any other: every GraphQL document it sends must be valid against the committed
schema, both as written in web/src/graphql (operations, and the fragments they share in web/src/graphql/fragments)
and as the build ships it (each operation with its fragments, compacted) in the bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import (
    NoUnusedFragmentsRule,
    build_schema,
    parse,
    print_ast,
    specified_rules,
    strip_ignored_characters,
    validate,
)

ROOT = Path(__file__).resolve().parent.parent
GRAPHQL = ROOT / "web" / "src" / "graphql"
OPERATIONS = sorted(GRAPHQL.glob("*.graphql"))
FRAGMENTS = sorted((GRAPHQL / "fragments").glob("*.graphql"))
STATIC = ROOT / "gql_monitor" / "static"

# An operation is checked with every fragment beside it; whether each fragment is used is checked once, for all.
WITHOUT_UNUSED_FRAGMENTS = [rule for rule in specified_rules if rule is not NoUnusedFragmentsRule]


@pytest.fixture(scope="module")
def schema():
    return build_schema((ROOT / "schema.graphql").read_text())


def all_fragments() -> str:
    return "\n".join(path.read_text() for path in FRAGMENTS)


def test_the_ui_has_documents_and_shares_fragments():
    assert len(OPERATIONS) >= 8, OPERATIONS
    assert len(FRAGMENTS) >= 1, FRAGMENTS


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_document_is_valid_against_the_committed_schema(schema, path):
    document = parse(f"{path.read_text()}\n{all_fragments()}")
    assert validate(schema, document, WITHOUT_UNUSED_FRAGMENTS) == []


def test_every_fragment_is_used_and_every_name_is_unique(schema):
    everything = parse("\n".join(path.read_text() for path in OPERATIONS + FRAGMENTS))
    assert validate(schema, everything) == []


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_document_holds_one_named_operation(path):
    definitions = parse(path.read_text()).definitions
    assert [d.kind for d in definitions] == ["operation_definition"] and definitions[0].name is not None
    assert definitions[0].name.value == path.stem, "name each file after its operation, so errors point at the file"


@pytest.mark.parametrize("path", FRAGMENTS, ids=lambda p: p.name)
def test_fragment_file_holds_one_fragment_named_after_it(path):
    definitions = parse(path.read_text()).definitions
    assert [d.kind for d in definitions] == ["fragment_definition"]
    assert definitions[0].name.value == path.stem, "name each file after its fragment, so errors point at the file"


def shipped() -> dict[str, str]:
    return json.loads((STATIC / "build-info.json").read_text())["documents"]


def test_shipped_documents_are_the_sources_with_their_fragments_compacted(schema):
    documents = shipped()
    assert sorted(documents) == [p.stem for p in OPERATIONS]
    fragments = {d.name.value: print_ast(d) for d in parse(all_fragments()).definitions}
    for path in OPERATIONS:
        compact = documents[path.stem]
        assert compact == strip_ignored_characters(compact), path.name
        document = parse(compact)
        # Valid on its own with every rule: it carries each fragment it spreads, and no other.
        assert validate(schema, document) == [], path.name
        operations = [d for d in document.definitions if d.kind == "operation_definition"]
        assert [print_ast(d) for d in operations] == [print_ast(parse(path.read_text()).definitions[0])], path.name
        for fragment in (d for d in document.definitions if d.kind == "fragment_definition"):
            assert print_ast(fragment) == fragments[fragment.name.value], (path.name, fragment.name.value)


def test_the_bundle_sends_the_shipped_documents():
    [script] = STATIC.glob("assets/app-*.js")
    text = script.read_text()
    for name, compact in shipped().items():
        assert compact in text, f"the app bundle does not hold {name} as build-info.json records it"
