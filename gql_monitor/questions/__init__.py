"""The questions the monitor asks the warehouse: one typed question per statement, next to its SQL file.

`<name>.sql` is the statement (Databricks SQL, named parameters); `<name>.py` holds its question, a frozen
dataclass whose `params()` is the one place the statement's parameters are named and given values. The GraphQL layer
builds questions from arguments (`graphql/questions.py`), loaders build them from their keys, and sources send them.
A test (tests/unit/test_question_params.py) checks that every question sends exactly the parameters its statement
declares. `_`-prefixed SQL files are fragments pulled in by `-- @include` (sources/sql_files.py).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

Row = dict[str, Any]


class Question:
    """A statement and its parameter values. Subclasses are frozen dataclasses, so a question is also a cache and
    loader key: equal questions are asked once."""

    statement: ClassVar[str]

    def params(self) -> dict[str, Any]:
        raise NotImplementedError


def list_or_none(values: Iterable | None) -> list | None:
    """Empty lists become NULL, "not filtered": the connector cannot infer an element type for an empty array."""
    values = list(values or ())
    return values or None
