"""A document's size and nesting with every fragment spread expanded, measured in linear time without recursion.

Validation's rules (and Strawberry's depth limiter) walk the expanded document, and graphql-core's validators
recurse over it: a few lines of fragments each spreading the next twice expand to millions of selections, and a long
chain of fragments (or a deeply nested literal) reaches Python's recursion limit. Both measures come from one walk
that visits each definition once and combines each fragment once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
)

from gql_monitor.errors import BadUserInput, QueryTooComplex

MAX_SELECTIONS = 1000
# Selection sets, list and object literals inside one another, following fragment spreads. The depth limit (12
# fields) stays far below it.
MAX_DOCUMENT_NESTING = 64

_NESTING = (SelectionSetNode, ListValueNode, ObjectValueNode)


@dataclass
class DocumentShape:
    selections: int  # with fragments expanded, capped just above MAX_SELECTIONS
    nesting: int  # deepest nesting of selection sets and literals, spreads continuing into their fragments
    cycle: bool = False  # some fragments spread each other in a cycle (counted once around it)
    unknown: list[str] = field(default_factory=list)  # spread fragments the document does not define


@dataclass
class _Definition:
    selections: int = 0
    nesting: int = 0
    spreads: list[tuple[str, int]] = field(default_factory=list)  # (fragment, depth it is spread at), repeats kept


def document_shape(document: DocumentNode) -> DocumentShape:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    own = {id(d): _measure(d) for d in document.definitions}
    cap = MAX_SELECTIONS + 1
    expanded: dict[str, tuple[int, int]] = {}  # fragment: (selections, nesting)
    cycle = False
    for root in fragments:  # iterative post-order over the spread graph: no recursion, however long the chain
        if root in expanded:
            continue
        stack, on_path = [(root, iter(own[id(fragments[root])].spreads))], {root}
        while stack:
            name, pending = stack[-1]
            child = next((c for c, _ in pending if c in fragments and c not in expanded), None)
            if child is not None:
                if child in on_path:
                    cycle = True  # the back edge counts as nothing; validation names the cycle
                    continue
                on_path.add(child)
                stack.append((child, iter(own[id(fragments[child])].spreads)))
                continue
            stack.pop()
            on_path.discard(name)
            expanded[name] = _expand(own[id(fragments[name])], expanded, cap)
    selections = nesting = 0
    for definition in document.definitions:
        # The validators walk every definition, used or not: all count for nesting; operations count for size.
        inner, deepest = _expand(own[id(definition)], expanded, cap)
        nesting = max(nesting, deepest)
        if isinstance(definition, OperationDefinitionNode):
            selections = min(cap, selections + inner)
    unknown = sorted({name for d in own.values() for name, _ in d.spreads} - fragments.keys())
    return DocumentShape(selections, nesting, cycle, unknown)


def check_document_size(document: DocumentNode) -> None:
    """Refuses documents whose expanded size would make validation slow (nesting: check_document_nesting)."""
    shape = document_shape(document)
    if shape.cycle:
        raise BadUserInput("The document's fragments spread each other in a cycle.")
    if shape.unknown:
        # Validation would say so too, but Strawberry's depth limiter fails on it first (KeyError: an INTERNAL).
        raise BadUserInput(f"Unknown fragment `{shape.unknown[0]}`.")
    if shape.selections > MAX_SELECTIONS:
        raise QueryTooComplex(f"The query selects more than {MAX_SELECTIONS} fields with its fragments expanded.")


def check_document_nesting(document: DocumentNode) -> None:
    """Refuses a document nested deeper than MAX_DOCUMENT_NESTING, before the recursive validators walk it."""
    if document_shape(document).nesting > MAX_DOCUMENT_NESTING:
        raise QueryTooComplex(f"The document nests deeper than {MAX_DOCUMENT_NESTING} levels (fragments included).")


def _measure(definition: Node) -> _Definition:
    """One definition on its own: its selections, its deepest nesting, and where it spreads fragments."""
    found = _Definition()
    stack: list[tuple[Node, int]] = [(definition, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, SelectionNode):
            found.selections += 1
        if isinstance(node, _NESTING):
            depth += 1
            found.nesting = max(found.nesting, depth)
        if isinstance(node, FragmentSpreadNode):
            found.spreads.append((node.name.value, depth))
        for key in node.keys:
            child = getattr(node, key, None)
            if isinstance(child, Node):
                stack.append((child, depth))
            elif isinstance(child, (list, tuple)):
                stack.extend((c, depth) for c in child if isinstance(c, Node))
    return found


def _expand(own: _Definition, expanded: dict[str, tuple[int, int]], cap: int) -> tuple[int, int]:
    """A definition's (selections, nesting) with the fragments it spreads expanded (those already measured)."""
    selections, nesting = own.selections, own.nesting
    for name, depth in own.spreads:
        inner = expanded.get(name)
        if inner is not None:
            selections = min(cap, selections + inner[0])
            nesting = max(nesting, depth + inner[1])
    return selections, nesting
