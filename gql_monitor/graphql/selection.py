"""What a query selects below the current field, for look-ahead batching."""

from __future__ import annotations

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField


def _fields(selections) -> list[SelectedField]:
    out: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            out.append(selection)
        elif isinstance(selection, (FragmentSpread, InlineFragment)):
            out.extend(_fields(selection.selections))
    return out


def connection_node_fields(info) -> set[str]:
    """Field names selected on the nodes of the connection the current field returns (`nodes` or `edges.node`)."""
    names: set[str] = set()
    for field in _fields(info.selected_fields):
        for child in _fields(field.selections):
            if child.name == "nodes":
                names.update(f.name for f in _fields(child.selections))
            elif child.name == "edges":
                for edge_field in _fields(child.selections):
                    if edge_field.name == "node":
                        names.update(f.name for f in _fields(edge_field.selections))
    return names
