"""Every statement that reads job data cuts it to the caller's job scope.

The system tables ignore job permissions, so a statement that reads them without the scope's parameters would hand a
caller with `permissions` visibility other teams' jobs. The behaviour per caller is tested in
tests/api/test_visibility.py; this pins that no statement, present or added later, skips the filter."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from gql_monitor.sources.sql_files import is_scoped, load

JOB_DATA = re.compile(r"system\.(lakeflow\.\w+|billing\.usage)\b")
# Statements that read the tables without reading any job's data.
UNSCOPED = {
    "data_freshness": "the newest timestamp of the run timeline and of usage: how far behind the tables are",
    "data_start": "the oldest timestamp of the run timeline and of usage: where the tables' data begins",
}
STATEMENTS = sorted(p.name[:-4] for p in resources.files("gql_monitor.questions").iterdir()
                    if p.name.endswith(".sql") and not p.name.startswith("_"))


@pytest.mark.parametrize("statement", STATEMENTS)
def test_a_statement_reading_job_data_takes_the_scope(statement):
    reads_jobs = bool(JOB_DATA.search(load(statement)))
    if statement in UNSCOPED:
        assert reads_jobs and not is_scoped(statement), "no longer needs its exemption"
    else:
        assert is_scoped(statement) == reads_jobs


def test_the_scope_filter_is_a_semi_join_on_the_job_key():
    # The one shape the filter takes, so that a full-view caller's constant TRUE short-circuits it and a restricted
    # caller's list is a hash join, not a scan of the list per row.
    filters = re.findall(r"\(:all_jobs OR ([^\n]*)\)", "\n".join(load(s) for s in STATEMENTS))
    assert filters
    for condition in filters:
        assert re.fullmatch(r"concat\([\w.]+, ':', [\w.]+\) IN \(SELECT explode\(:visible_jobs\)\)", condition), condition
