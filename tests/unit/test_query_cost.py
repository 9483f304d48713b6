from datetime import datetime, timezone

from graphql import parse

from gql_monitor.graphql.query_cost import query_cost

# The operation's window clock; windows without an end end here.
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)


def cost(document: str, variables=None, operation=None) -> int:
    return query_cost(parse(document), operation, variables, NOW)


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


# -- lists without `first` have estimated sizes (issue 8: thirty aliased cost breakdowns once cost 390) -----------

from graphql import GraphQLList, GraphQLObjectType, get_nullable_type  # noqa: E402
import pytest  # noqa: E402

from gql_monitor.errors import BadUserInput, QueryTooComplex  # noqa: E402
from gql_monitor.graphql import document_size, query_cost as model  # noqa: E402
from gql_monitor.graphql.schema import MAX_QUERY_COST, schema  # noqa: E402

REVIEWED_ALIAS = ("a%d: costs(window: {lastDays: 30}, groupBy: JOB) { groups { cost { daily { date } "
                  "bySku { skuName } } } }")


def test_every_list_of_the_schema_has_an_estimated_size():
    unestimated = []
    for type_name, type_ in schema._schema.type_map.items():
        if type_name.startswith("__") or not isinstance(type_, GraphQLObjectType):
            continue
        for name, field in type_.fields.items():
            if isinstance(get_nullable_type(field.type), GraphQLList) and "first" not in field.args:
                if (type_name, name) not in model.LIST_SIZES and name not in model.PAGE_ITEMS:
                    unestimated.append(f"{type_name}.{name}")
    assert unestimated == []


def test_the_reviewed_aliased_cost_breakdowns_are_over_the_limit():
    thirty = "{ " + " ".join(REVIEWED_ALIAS % i for i in range(30)) + " }"
    assert cost(thirty) > MAX_QUERY_COST
    # even one of them: a thousand estimated groups, each with a month of days and its SKUs
    assert cost("{ " + REVIEWED_ALIAS % 0 + " }") > model.GROUPS_BY_DIMENSION["JOB"] * 31


def test_groups_are_estimated_by_the_dimension():
    doc = "query($g: CostDimension!) { costs(window: {lastDays: 10}, groupBy: $g) { groups { key } } }"
    by = {g: cost(doc, {"g": g}) for g in ("JOB", "SKU", "PRODUCT", "DAY")}
    assert by["JOB"] == 1 + 1 + model.GROUPS_BY_DIMENSION["JOB"]
    assert by["SKU"] == 1 + 1 + model.GROUPS_BY_DIMENSION["SKU"]
    assert by["PRODUCT"] == 1 + 1 + model.GROUPS_BY_DIMENSION["PRODUCT"]
    assert by["DAY"] == 1 + 1 + 11  # a 10-day window not aligned to midnight touches 11 days


@pytest.mark.parametrize("window, days", [
    ("{lastDays: 7}", 8),
    ('{start: "2026-01-01T00:00:00Z", end: "2026-03-02T00:00:00Z"}', 61),
    ('{start: "2026-02-20T00:00:00Z"}', 11),  # no end: the window ends at the operation's clock (NOW)
    (None, model.DEFAULT_WINDOW_DAYS + 1),
])
def test_daily_is_estimated_by_the_window_days(window, days):
    argument = f"(window: {window})" if window else ""
    doc = "{ job(id: \"1:1\") { cost%s { daily { date } } } }" % argument
    assert cost(doc) == 1 + 1 + (1 + days)


def test_run_costs_and_tasks_use_their_bounds():
    run_daily = cost('{ run(id: "1:1") { cost { daily { date } } } }')
    assert run_daily == 1 + 1 + 1 + model.RUN_COST_DAYS
    tasks = cost('{ run(id: "1:1") { tasks { taskKey } } }')
    assert tasks == 1 + 1 + model.TASKS_PER_JOB
    by_sku = cost('{ run(id: "1:1") { cost { bySku { skuName } } } }')
    assert by_sku == 1 + 1 + 1 + model.SKUS_PER_RUN_COST


def test_a_fragment_spread_twice_per_level_is_costed_once_per_fragment():
    # Each fragment spreads the next twice: 2^40 selections expanded. The cost must still be computed at once
    # (it counts each fragment once); the size check refuses such a document before validation anyway.
    levels = 40
    doc = ("{ jobs(first: 1) { nodes { ...F0 } } } "
           + " ".join(f"fragment F{i} on Job {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
           + f" fragment F{levels} on Job {{ id }}")
    assert cost(doc) > MAX_QUERY_COST
    with pytest.raises(QueryTooComplex):
        document_size.check_document_size(parse(doc))


def test_document_size_counts_expanded_selections():
    fields = " ".join(f"a{i}: name" for i in range(document_size.MAX_SELECTIONS))
    with pytest.raises(QueryTooComplex):
        document_size.check_document_size(parse("{ jobs(first: 1) { nodes { %s } } }" % fields))
    # a long chain is not large: 400 fragments of one field each
    chain = ("{ jobs(first: 1) { nodes { ...F0 } } } "
             + " ".join(f"fragment F{i} on Job {{ id ...F{i + 1} }}" for i in range(400)) + " fragment F400 on Job { id }")
    document_size.check_document_size(parse(chain))
    with pytest.raises(BadUserInput):
        document_size.check_document_size(parse("{ jobs(first: 1) { nodes { ...A } } } fragment A on Job { ...B } "
                                        "fragment B on Job { ...A }"))
    # the web UI's documents pass with room to spare
    from api.soak import DOCUMENTS, ui_document

    for path in DOCUMENTS.glob("*.graphql"):
        document_size.check_document_size(parse(ui_document(path.stem)))


def test_a_spread_of_an_unknown_fragment_is_bad_input():
    # Strawberry's depth limiter raised KeyError on it: an INTERNAL error for a typo.
    with pytest.raises(BadUserInput, match="Nope"):
        document_size.check_document_size(parse("{ jobs(first: 1) { nodes { ...Nope } } }"))


def test_the_web_uis_documents_and_the_benchmark_cost_under_the_limit():
    import pathlib

    # The largest pages and windows the UI can ask for.
    variables = {"window": {"lastDays": 366}, "w": {"lastDays": 366}, "groupBy": "JOB", "id": "1:1",
                 "runsFirst": 100, "first": 100}
    from api.soak import DOCUMENTS, ui_document

    documents = {path.name: ui_document(path.stem) for path in DOCUMENTS.glob("*.graphql")}
    documents["bench/dashboard.py"] = pathlib.Path("bench/dashboard.py").read_text().split('DASHBOARD = """')[1] \
        .split('"""')[0]
    over = {name: cost(text, variables) for name, text in documents.items() if cost(text, variables) > MAX_QUERY_COST}
    assert over == {}
