"""What the App installs is what was tested: requirements.txt pins every runtime dependency, transitively, at the
version this test environment has (scripts/lock_requirements.py writes it; scripts/test installs the suite under the
same pins). A dependency added, dropped or upgraded without re-locking fails here."""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("lock_requirements", ROOT / "scripts" / "lock_requirements.py")
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)


def pins() -> dict[str, Requirement]:
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    found = [Requirement(line) for line in lines if line and not line.startswith("#") and line != "."]
    return {canonicalize_name(r.name): r for r in found}


def test_requirements_txt_is_the_lock_of_this_environment():
    assert (ROOT / "requirements.txt").read_text() == lock.lock_text(), \
        "requirements.txt has drifted from the tested environment: run python scripts/lock_requirements.py"


def test_every_pin_is_exact_and_installed_here():
    for name, requirement in pins().items():
        [specifier] = requirement.specifier
        assert specifier.operator == "==", name
        assert metadata.version(requirement.name) == specifier.version, name


def test_the_lock_holds_every_runtime_dependency_and_nothing_of_the_stand_in():
    locked = set(pins())
    assert set(lock.runtime_closure()) == locked
    assert {"strawberry-graphql", "fastapi", "starlette", "databricks-sdk", "databricks-sql-connector",
            "graphql-core", "pydantic-core"} <= locked
    assert not {"duckdb", "sqlglot", "pytest", "playwright", "hypothesis", "databricks-bundles"} & locked


def test_the_closure_follows_extras_and_markers():
    closure = lock.runtime_closure()
    # The connector's `pyarrow` extra is asked for by pyproject.toml, and followed.
    assert "pyarrow" in closure["databricks-sql-connector"][2]
    assert "pyarrow" in closure
