"""The committed schema is the one the code serves."""

from pathlib import Path

from graphql import GraphQLInputObjectType, GraphQLObjectType

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
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInputObjectType)):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    undocumented.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        undocumented.append(f"{name}.{field_name}({arg_name})")
    assert not undocumented, undocumented
