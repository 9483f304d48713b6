"""A document's size with every fragment spread expanded, checked before validation.

Validation's rules (and Strawberry's depth limiter) walk the expanded document: a few lines of fragments each spreading
the next twice expand to millions of selections. This counts them in linear time, each fragment once, without
recursion however long a chain of fragments is.
"""

from __future__ import annotations

from collections import Counter

from graphql import DocumentNode, FragmentDefinitionNode, FragmentSpreadNode, OperationDefinitionNode, SelectionSetNode

from gql_monitor.errors import BadUserInput, QueryTooComplex

MAX_SELECTIONS = 1000


def check_document_size(document: DocumentNode) -> None:
    """Refuses documents whose expanded size would make validation slow. (How deep fragments nest is bounded by
    extensions.DocumentNesting, right after parsing.)"""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    own: dict[str, tuple[int, Counter]] = {name: _direct(d.selection_set) for name, d in fragments.items()}
    size: dict[str, int] = {}
    cap = MAX_SELECTIONS + 1
    for root in fragments:  # iterative post-order over the spread graph: no recursion, however long the chain
        if root in size:
            continue
        stack, on_path = [(root, iter(own[root][1]))], {root}
        while stack:
            name, pending = stack[-1]
            child = next((c for c in pending if c in fragments and c not in size), None)
            if child is not None:
                if child in on_path:
                    raise BadUserInput("The document's fragments spread each other in a cycle.")
                on_path.add(child)
                stack.append((child, iter(own[child][1])))
                continue
            stack.pop()
            on_path.discard(name)
            selections, spreads = own[name]
            size[name] = min(cap, selections + sum(n * size[c] for c, n in spreads.items() if c in size))
    unknown = sorted({name for _, spreads in own.values() for name in spreads} - fragments.keys())
    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            selections, spreads = _direct(definition.selection_set)
            unknown = unknown or sorted(set(spreads) - fragments.keys())
            total += selections + sum(n * size.get(c, 0) for c, n in spreads.items())
    if unknown:
        # Validation would say so too, but Strawberry's depth limiter fails on it first (KeyError: an INTERNAL).
        raise BadUserInput(f"Unknown fragment `{unknown[0]}`.")
    if total > MAX_SELECTIONS:
        raise QueryTooComplex(f"The query selects more than {MAX_SELECTIONS} fields with its fragments expanded.")


def _direct(selection_set: SelectionSetNode | None) -> tuple[int, Counter]:
    """(selections inside, not counting spread fragments' contents; fragment names spread, with multiplicity)."""
    count, spreads = 0, Counter()
    stack = [selection_set] if selection_set is not None else []
    while stack:
        for selection in stack.pop().selections:
            count += 1
            if isinstance(selection, FragmentSpreadNode):
                spreads[selection.name.value] += 1
            elif selection.selection_set is not None:
                stack.append(selection.selection_set)
    return count, spreads
