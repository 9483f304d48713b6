"""A query's cost, computed from the document before anything runs.

Every selected field costs 1, times the page sizes (`first`) of the lists around it: `jobs(first: 50) { nodes {
runs(first: 10) { nodes { cost } } } }` costs about 50 × 10 for the inner `cost`. It bounds the work a query can ask
for, whatever its shape; the statement count stays bounded by batching either way.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

# `first` when a list field omits it (activeRuns defaults to 25).
DEFAULT_PAGE = 25
MAX_FRAGMENT_DEPTH = 50


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(1, int(value.value))
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return max(1, given) if isinstance(given, int) else DEFAULT_PAGE
    return 1


def query_cost(document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None) -> int:
    variables = variables or {}
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    if not operations:
        return 0

    def walk(selection_set: SelectionSetNode | None, multiplier: int, depth: int) -> int:
        if selection_set is None or depth > MAX_FRAGMENT_DEPTH:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                inner = multiplier * _page_size(selection, variables)
                total += multiplier + walk(selection.selection_set, inner, depth + 1)
            elif isinstance(selection, InlineFragmentNode):
                total += walk(selection.selection_set, multiplier, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    total += walk(fragment.selection_set, multiplier, depth + 1)
        return total

    return walk(operations[0].selection_set, 1, 0)
