"""Every statement gets exactly the parameters it declares, from its question, however the question is built.

The declared set is read from the SQL itself (sqlglot parses the expanded Databricks SQL; `:name` is a placeholder).
Questions are drawn at random from their own field types, so a parameter sent only on some path (a cursor, a tag
filter, a per-job page) is checked too. A parameter the SQL declares but no question sends would reach the warehouse
unbound; one sent but never declared is a filter that silently does nothing. The job scope's parameters are the
caller's, not the question's: the context adds them to every scoped statement (graphql/context.py), so they are
expected exactly when `is_scoped` says so."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import types
import typing
from datetime import datetime, timezone
from importlib import resources

import pytest
import sqlglot

from gql_monitor.sources.sql_files import is_scoped
from gql_monitor.visibility.scope import SCOPE_PARAMS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

import gql_monitor.questions as questions_package
from gql_monitor.questions import Question
from gql_monitor.sources import sql_files

STATEMENTS = sorted(
    p.name[:-4] for p in resources.files("gql_monitor.questions").iterdir()
    if p.name.endswith(".sql") and not p.name.startswith("_")
)


def _questions() -> dict[str, type[Question]]:
    for module in pkgutil.iter_modules(questions_package.__path__):
        importlib.import_module(f"gql_monitor.questions.{module.name}")
    found: dict[str, type[Question]] = {}
    pending = list(Question.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "statement" in vars(cls):
            assert cls.statement not in found, f"two questions for {cls.statement}.sql"
            found[cls.statement] = cls
    return found


QUESTIONS = _questions()


def declared(statement: str) -> set[str]:
    tree = sqlglot.parse_one(sql_files.load(statement), read="databricks")
    return {node.name for node in tree.find_all(exp.Placeholder)}


def strategy_for(hint) -> st.SearchStrategy:
    """Values of a question's field type. Batches of runs are never empty: a loader never asks for no runs."""
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return st.builds(hint, **{f.name: strategy_for(hints[f.name]) for f in dataclasses.fields(hint) if f.init})
    if getattr(hint, "__supertype__", None) is not None:  # NewType
        return strategy_for(hint.__supertype__)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(arg) for arg in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is tuple:
        return st.lists(strategy_for(args[0]), min_size=1, max_size=3).map(tuple)
    if hint is type(None):
        return st.none()
    if hint is datetime:
        return st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(timezone.utc))
    if hint in (str, int, bool, float):
        return st.from_type(hint)
    if hint is float:
        return st.floats(min_value=1, max_value=1000)
    raise TypeError(f"no strategy for {hint!r}")


def test_every_statement_has_one_question_and_every_question_a_statement():
    assert sorted(QUESTIONS) == STATEMENTS


@pytest.mark.parametrize("statement", STATEMENTS)
def test_a_question_sends_exactly_the_parameters_its_statement_declares(statement):
    cls, wanted = QUESTIONS[statement], declared(statement)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy_for(cls))
    def check(question):
        sent = set(question.params()) | (set(SCOPE_PARAMS) if is_scoped(statement) else set())
        assert sent == wanted

    check()


def test_the_check_sees_a_missing_parameter():
    # The parse finds parameters inside included fragments and lambdas, where a regex could miss them.
    assert {"tag_keys", "tag_values", "tag_value_keys"} <= declared("jobs")
    assert {"lookback_start", "window_start", "window_end"} <= declared("run_stats")  # from _run_rollup.sql
