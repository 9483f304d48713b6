"""The product never imports the local workspace stand-in or what only the stand-in needs (the `demo` extra): a
Databricks App installs neither. Only the stand-in itself and the demo wiring (`gql_monitor/demo.py`) may.
The runtime side (what `serve` really loads) is pinned in tests/test_cli.py."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gql_monitor"
STAND_IN = "gql_monitor.local_workspace"
# Where the stand-in may be imported from: itself, and the commands that start it.
MAY_IMPORT_THE_STAND_IN = (PACKAGE / "local_workspace", PACKAGE / "demo.py")


def _demo_extra_modules() -> set[str]:
    # Each of these distributions installs a top-level module of the same name.
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["demo"]
    return {Requirement(line).name.replace("-", "_") for line in extra}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: Path) -> str:
    return _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]


def _imported(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) for every import in `source`, wherever it is (functions included), relative ones resolved
    against `package`, and every string naming the stand-in (importlib.import_module("gql_monitor.local_workspace")
    is an import too)."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from gql_monitor import local_workspace` imports the submodule.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names] + [(node.lineno, base)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(STAND_IN):
            found.append((node.lineno, node.value))
    return found


def _product_files() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py"))
            if not any(path == allowed or allowed in path.parents for allowed in MAY_IMPORT_THE_STAND_IN)]


def test_the_demo_extra_is_what_the_stand_in_needs():
    assert {"duckdb", "sqlglot", "numpy"} <= _demo_extra_modules()


def test_the_product_does_not_import_the_stand_in_or_its_dependencies():
    forbidden = _demo_extra_modules()
    files = _product_files()
    assert PACKAGE / "cli.py" in files and PACKAGE / "http" / "app.py" in files
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for line, name in _imported(path.read_text(), _package(path))
        if name == STAND_IN or name.startswith(STAND_IN + ".") or name.split(".")[0] in forbidden
    ]
    assert not offences, "\n".join(offences)


def test_the_check_sees_every_way_of_importing():
    spellings = [
        "from gql_monitor.local_workspace.server import LocalWorkspace",
        "import gql_monitor.local_workspace.generator",
        "from gql_monitor import local_workspace",
        "def later():\n    from .local_workspace import state",
        "import importlib\nimportlib.import_module('gql_monitor.local_workspace.state')",
    ]
    for source in spellings:
        names = [name for _, name in _imported(source, "gql_monitor")]
        assert any(name == STAND_IN or name.startswith(STAND_IN + ".") for name in names), (source, names)
    assert [name for _, name in _imported("from ..sources import warehouse", "gql_monitor.http")] == [
        "gql_monitor.sources.warehouse", "gql_monitor.sources"]
