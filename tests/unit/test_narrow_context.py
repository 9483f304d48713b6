"""Resolvers reach data only through the context's narrow fields (loaders, principal, clock, stats), never the
process-wide `Services`: a type module that names `services` could call a source around its loaders."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import gql_monitor.graphql.types as types_package
from gql_monitor.graphql.context import Context

TYPES_DIR = Path(types_package.__file__).parent


def _names(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update(alias.name.split(".")[-1] for alias in node.names)
            if isinstance(node, ast.ImportFrom) and node.module:
                found.update(node.module.split("."))
    return found


def test_no_type_module_references_services():
    modules = sorted(TYPES_DIR.glob("*.py"))
    assert modules, TYPES_DIR
    offenders = [
        path.name for path in modules
        if {"services", "Services"} & _names(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_context_has_no_services_field():
    fields = {field.name for field in dataclasses.fields(Context)}
    assert "services" not in fields
    assert {"loaders", "principal", "stats", "now", "clock"} <= fields
