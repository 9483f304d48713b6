"""The committed schema is the one the code serves."""

from pathlib import Path

from gql_monitor.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[2]


def test_schema_graphql_is_current():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema.as_str() + "\n", "run `gql-monitor export-schema > schema.graphql`"


def test_every_type_and_field_is_described():
    undocumented = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID", "Date", "DateTime",
                                             "Decimal"):
            continue
        if not graphql_type.description:
            undocumented.append(name)
    assert not undocumented, undocumented
