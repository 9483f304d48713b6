"""The monitor's SQL, one Databricks SQL file per question under gql_monitor/questions/.

A line `-- @include _name` is replaced by the text of `_name.sql`: shared CTEs (runs assembled from slices, usage
priced at the price in force) are written once. Underscore files are fragments, never run alone.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_INCLUDE = re.compile(r"^-- @include (\w+)\s*$", re.MULTILINE)


def _read(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a SQL file name: {name!r}")
    return resources.files("gql_monitor.questions").joinpath(f"{name}.sql").read_text()


def _expand(text: str, depth: int = 0) -> str:
    if depth > 5:
        raise ValueError("SQL includes nest too deep")
    return _INCLUDE.sub(lambda m: _expand(_read(m.group(1)), depth + 1).strip(), text)


@cache
def load(name: str) -> str:
    """The text of sql/<name>.sql with its includes expanded. Names come from code, never from user input."""
    return _expand(_read(name))


@cache
def is_scoped(name: str) -> bool:
    """Whether the statement cuts what it reads to the caller's job scope (visibility/scope.py), i.e. takes its
    parameters. Every statement that reads job data does; tests/unit/test_job_scope_sql.py checks which."""
    return ":all_jobs" in load(name)
