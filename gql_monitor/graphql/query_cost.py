"""A query's cost and size, computed from the document before anything runs.

Cost: every selected field costs 1, times the sizes of the lists around it. A connection's size is its `first`
(`jobs(first: 50) { nodes { runs(first: 10) { nodes { cost } } } }` costs about 50 × 10 for the inner `cost`); every
other list has an estimated size (LIST_SIZES, documented in docs/api.md): cost groups by the dimension's cardinality,
`daily` by the window's days, `bySku` by a SKU bound, task lists by a per-job bound. It bounds the work a query can
ask for, whatever its shape; the statement count stays bounded by batching either way, and the answer's real size is
bounded by the response cap (gql_monitor/graphql/bounded_execution.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    get_nullable_type,
    value_from_ast_untyped,
)

# `first` given by a variable that is not an integer (validation refuses it) and no default.
DEFAULT_PAGE = 25

# -- estimated sizes of lists without `first` (docs/api.md#limits) ------------------------------------------------
GROUPS_BY_DIMENSION = {"JOB": 1000, "SKU": 100, "WORKSPACE": 50, "TAG": 200, "RUN_AS": 200, "PRODUCT": 20}
SKUS_PER_COST = 20
SKUS_PER_RUN_COST = 5
TASKS_PER_JOB = 10
ATTEMPTS_PER_RUN = 3  # the original run and its repairs
# A run's (or task run's) cost window starts at the run; its usage spans the days the run ran.
RUN_COST_DAYS = 7
DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 366
SMALL_LIST = 10
HEALTH_REASONS = 4  # every condition of the health rule
# An SLA's breaches and a schedule's late starts and missed fires list at most this many per job.
LISTED_PER_JOB = 100
# Runs over twice their job's p90 cost in a window: a handful at most (docs/metrics.md, "Cost anomalies").
ANOMALIES_PER_JOB = 5
# The most active runs one read of a subscription's poller follows (subscriptions/poller.py MAX_RUNS): a message
# lists at most that many started, changed or ended runs.
ACTIVE_RUNS_PER_READ = 250


@dataclass(frozen=True)
class _Scope:
    """What list sizes below a field depend on: the days of the enclosing cost window and the grouping."""

    window_days: int = DEFAULT_WINDOW_DAYS + 1
    group_by: str | None = None
    skus: int = SKUS_PER_COST


def _groups(scope: _Scope) -> int:
    if scope.group_by == "DAY":
        return scope.window_days
    return GROUPS_BY_DIMENSION.get(scope.group_by or "", max(GROUPS_BY_DIMENSION.values()))


LIST_SIZES: dict[tuple[str, str], Callable[[_Scope], int]] = {
    ("CostBreakdown", "groups"): _groups,
    ("Cost", "daily"): lambda scope: scope.window_days,
    ("Cost", "bySku"): lambda scope: scope.skus,
    ("Job", "tasks"): lambda _: TASKS_PER_JOB,
    ("Run", "tasks"): lambda _: TASKS_PER_JOB,
    ("Run", "attempts"): lambda _: ATTEMPTS_PER_RUN,
    ("RunAttempt", "tasks"): lambda _: TASKS_PER_JOB,
    ("RunStats", "byResultState"): lambda _: 7,
    ("JobVisibility", "unreadableReasons"): lambda _: SMALL_LIST,
    ("Job", "tags"): lambda _: SMALL_LIST,
    ("Run", "jobParameters"): lambda _: SMALL_LIST,
    ("Run", "computeIds"): lambda _: SMALL_LIST,
    ("TaskRun", "computeIds"): lambda _: SMALL_LIST,
    ("JobTask", "dependsOn"): lambda _: SMALL_LIST,
    ("TaskRun", "dependsOn"): lambda _: SMALL_LIST,
    ("RunLive", "repairHistory"): lambda _: SMALL_LIST,
    ("TriggerSettings", "tableNames"): lambda _: SMALL_LIST,
    ("Alert", "evidence"): lambda _: SMALL_LIST,
    ("Alert", "runs"): lambda _: SMALL_LIST,
    ("JobHealth", "reasons"): lambda _: HEALTH_REASONS,
    ("JobSla", "breaches"): lambda _: LISTED_PER_JOB,
    ("JobSla", "breachHistory"): lambda scope: scope.window_days,
    ("JobSla", "atRisk"): lambda _: SMALL_LIST,
    ("ScheduleAdherence", "lateStarts"): lambda _: LISTED_PER_JOB,
    ("ScheduleAdherence", "missedFireTimes"): lambda _: LISTED_PER_JOB,
    ("Alert", "expectedFireTimes"): lambda _: SMALL_LIST,
    ("Job", "costAnomalies"): lambda _: ANOMALIES_PER_JOB,
    ("UnattributedSpend", "days"): lambda scope: scope.window_days,
    ("Query", "workspaces"): lambda _: GROUPS_BY_DIMENSION["WORKSPACE"],
    ("ActiveRunsChange", "added"): lambda _: ACTIVE_RUNS_PER_READ,
    ("ActiveRunsChange", "updated"): lambda _: ACTIVE_RUNS_PER_READ,
    ("ActiveRunsChange", "ended"): lambda _: ACTIVE_RUNS_PER_READ,
}
# Lists inside a connection: the connection's `first` already counts them.
PAGE_ITEMS = ("nodes", "edges")
# Cost fields whose window is the run's own, not a window argument.
RUN_COSTS = {("Run", "cost"), ("TaskRun", "cost"), ("RunAttempt", "cost")}

# -- cost ---------------------------------------------------------------------------------------------------------


def query_cost(
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    now: datetime,
    schema: GraphQLSchema | None = None,
) -> int:
    """The operation's estimated cost; `now` (the operation's window clock) ends windows given without an end."""
    if schema is None:
        from gql_monitor.graphql.schema import schema as default_schema

        schema = default_schema._schema
    variables = variables or {}
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    root = {"query": schema.query_type, "mutation": schema.mutation_type,
            "subscription": schema.subscription_type}.get(operations[0].operation.value) if operations else None
    if root is None:
        return 0
    # A fragment costs the same wherever it is spread in the same scope: cost each once.
    fragment_costs: dict[tuple[str, str, _Scope], int] = {}

    def condition(node: InlineFragmentNode | FragmentDefinitionNode, parent: GraphQLObjectType) -> GraphQLObjectType:
        named = schema.get_type(node.type_condition.name.value) if node.type_condition is not None else None
        return named if isinstance(named, GraphQLObjectType) else parent

    def walk(selection_set: SelectionSetNode | None, parent: GraphQLObjectType, scope: _Scope) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += field_cost(selection, parent, scope)
            elif isinstance(selection, InlineFragmentNode):
                total += walk(selection.selection_set, condition(selection, parent), scope)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None:
                    continue
                key = (fragment.name.value, parent.name, scope)
                if key not in fragment_costs:
                    fragment_costs[key] = walk(fragment.selection_set, condition(fragment, parent), scope)
                total += fragment_costs[key]
        return total

    def field_cost(field: FieldNode, parent: GraphQLObjectType, scope: _Scope) -> int:
        name = field.name.value
        definition = None if name.startswith("__") else parent.fields.get(name)
        if definition is None:
            return 0  # introspection is free; unknown fields do not pass validation
        scope = _inner_scope(field, definition, parent.name, scope, variables, now)
        child_type = get_named_type(definition.type)
        children = walk(field.selection_set, child_type, scope) if isinstance(child_type, GraphQLObjectType) else 0
        size = 1
        estimated = LIST_SIZES.get((parent.name, name))
        if "first" in definition.args and (estimated is None or _argument(field, "first", variables) is not None):
            size = _page_size(field, definition, variables)
        elif isinstance(get_nullable_type(definition.type), GraphQLList) and name not in PAGE_ITEMS:
            # Lists without `first`, and cost groups without it (all of them), at their estimated sizes.
            size = (estimated or (lambda _: SMALL_LIST))(scope)
            children = max(children, 1)  # a list of scalars costs its items
        return 1 + size * children

    return walk(operations[0].selection_set, root, _Scope())


def _argument(field: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for argument in field.arguments or ():
        if argument.name.value == name:
            value = value_from_ast_untyped(argument.value, variables)
            # A variable the request leaves out is no value: the argument's default applies, as when it is absent.
            return None if value is Undefined else value
    return None


def _page_size(field: FieldNode, definition, variables: dict[str, Any]) -> int:
    given = _argument(field, "first", variables)
    if given is None:
        default = definition.args["first"].default_value
        given = default if isinstance(default, int) else DEFAULT_PAGE
    return max(1, given) if isinstance(given, int) else DEFAULT_PAGE


def _inner_scope(field: FieldNode, definition, parent: str, scope: _Scope, variables: dict, now: datetime) -> _Scope:
    if (parent, field.name.value) in RUN_COSTS:
        return _Scope(window_days=RUN_COST_DAYS, group_by=scope.group_by, skus=SKUS_PER_RUN_COST)
    if "window" not in definition.args:
        return scope
    group_by = _argument(field, "groupBy", variables)
    return _Scope(window_days=_window_days(_argument(field, "window", variables), now),
                  group_by=group_by if isinstance(group_by, str) else scope.group_by)


def _window_days(window: Any, now: datetime) -> int:
    """Days a window touches (a window not aligned to midnight touches one more than its length)."""
    most = MAX_WINDOW_DAYS + 1
    if window is None:
        return DEFAULT_WINDOW_DAYS + 1
    if not isinstance(window, dict):
        return most
    last_days = window.get("lastDays")
    if isinstance(last_days, int):
        return min(most, max(1, last_days) + 1)
    try:
        start = _instant(window.get("start"))
        end = _instant(window.get("end")) if window.get("end") is not None else now
    except (TypeError, ValueError):
        return most
    return min(most, max(1, math.ceil((end - start) / timedelta(days=1)) + 1))


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
