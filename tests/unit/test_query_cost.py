from graphql import parse

from gql_monitor.graphql.query_cost import query_cost


def cost(document: str, variables=None, operation=None) -> int:
    return query_cost(parse(document), operation, variables)


def test_nested_pages_multiply():
    flat = cost("{ jobs(first: 50) { nodes { name } } }")
    nested = cost("{ jobs(first: 50) { nodes { name runs(first: 10) { nodes { runId } } } } }")
    assert flat == 1 + 50 + 50  # jobs, nodes, name under 50
    assert nested > flat * 10


def test_variables_are_used_for_page_sizes():
    doc = "query Q($n: Int!) { jobs(first: $n) { nodes { name } } }"
    assert cost(doc, {"n": 100}) > cost(doc, {"n": 10})


def test_fragments_count_like_inline_selections():
    inline = cost("{ jobs(first: 5) { nodes { name id } } }")
    spread = cost("{ jobs(first: 5) { nodes { ...F } } } fragment F on Job { name id }")
    assert inline == spread


def test_introspection_fields_are_free_and_unknown_operations_cost_nothing():
    assert cost("{ __typename }") == 0
    assert cost("query A { viewer { userName } }", operation="B") == 0
