"""Narrowing the run timeline to the jobs asked about (`_run_rollup.sql`'s :job_keys, applied before its window
functions; `_job_catalog.sql`'s, before the catalog is assembled) changes no job's answer: each statement that reads
runs or jobs of given jobs answers for a few jobs exactly what it answers for those jobs when asked about every job.

Through the real connector against the stand-in; the jobs are chosen to include one with a repaired run and one with
a run that started before the window and still had slices in it (the lookback), where a narrowing that dropped the
wrong slices would show.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from gql_monitor.questions.cost_anomalies import CostAnomalyQuery, CostAnomalyRule
from gql_monitor.questions.duration_stats import DurationSpans, DurationStatsQuery
from gql_monitor.questions.job_health import JobHealthQuery
from gql_monitor.questions.jobs import JobsQuery
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.run_stats import RunStatsQuery
from gql_monitor.questions.runs import RunFilterTerms, RunsQuery
from gql_monitor.questions.windows import Window
from gql_monitor.sources.credentials import app_config
from gql_monitor.sources.warehouse import Warehouse
from gql_monitor.visibility.scope import ALL_JOBS
from conftest import NOW, monitor_settings
from source_stand_in import ADMIN, counted_workspace  # noqa: F401 - fixtures

WINDOW = Window(NOW - timedelta(days=20), NOW - timedelta(days=2))


@pytest.fixture(scope="module")
def warehouse(counted_workspace):
    settings = monitor_settings(counted_workspace)
    config = app_config(settings)
    wh = Warehouse(settings, app_credentials=lambda: config.authenticate)
    yield wh
    wh.close()


def _truth(ws, sql: str, params: list) -> list[tuple]:
    return ws.state.db.cursor().execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def jobs(counted_workspace) -> tuple[list[JobKey], list[JobKey]]:
    """(a few jobs, every job with a run in the window or its lookback)."""
    ws = counted_workspace
    every = [JobKey(k) for (k,) in _truth(ws, """
        SELECT DISTINCT concat(workspace_id, ':', job_id) FROM lakeflow.job_run_timeline
        WHERE period_start_time >= ? ORDER BY 1""", [WINDOW.start - timedelta(days=40)])]
    repaired = _truth(ws, """
        SELECT concat(workspace_id, ':', job_id) FROM lakeflow.job_run_timeline
        WHERE period_start_time >= ? AND period_start_time < ?
        GROUP BY workspace_id, job_id, run_id HAVING count(result_state) >= 2 ORDER BY 1 LIMIT 1""",
                      [WINDOW.start, WINDOW.end])
    straddling = _truth(ws, """
        SELECT concat(workspace_id, ':', job_id) FROM lakeflow.job_run_timeline
        GROUP BY workspace_id, job_id, run_id
        HAVING min(period_start_time) < ? AND max(period_start_time) >= ? ORDER BY 1 LIMIT 1""",
                        [WINDOW.start, WINDOW.start])
    assert repaired and straddling, "the generated workspace should hold a repaired run and a run across the start"
    few = sorted({JobKey(repaired[0][0]), JobKey(straddling[0][0]), every[0], every[len(every) // 2]})
    return few, every


def _fetch(warehouse, question) -> list[dict]:
    params = {**question.params(), **ALL_JOBS.params()}
    return asyncio.run(warehouse.fetch(question.statement, params, ADMIN))


def _normal(row: dict) -> dict:
    # A run's attempts come in no particular order (_run_rollup.sql): readers sort them by number.
    if row.get("attempts") is not None:
        row = {**row, "attempts": sorted(row["attempts"], key=lambda a: a["number"])}
    return row


def _of(rows: list[dict], few: list[JobKey]) -> list[dict]:
    keys = set(few)
    return sorted((_normal(r) for r in rows if f"{r['workspace_id']}:{r['job_id']}" in keys), key=repr)


def _questions(job_keys: tuple[JobKey, ...]):
    spans = DurationSpans(WINDOW.start - timedelta(days=28), WINDOW.end - timedelta(days=7), WINDOW.end, 1.5)
    return [
        RunStatsQuery(job_keys=job_keys, window=WINDOW),
        DurationStatsQuery(spans=spans, job_keys=job_keys),
        JobHealthQuery(now=NOW, job_keys=job_keys),
        CostAnomalyQuery(window=WINDOW, baseline_start=WINDOW.start - timedelta(days=28), now=NOW,
                         rule=CostAnomalyRule(factor=1.5, min_runs=3), job_keys=job_keys),
        RunsQuery(window=WINDOW, limit=10, filter=RunFilterTerms(job_keys=job_keys), per_job=True),
    ]


def test_each_jobs_answer_is_the_same_asked_alone_or_with_every_job(warehouse, jobs):
    few, every = jobs
    for narrow, wide in zip(_questions(tuple(few)), _questions(tuple(every))):
        alone, among_all = _of(_fetch(warehouse, narrow), few), _of(_fetch(warehouse, wide), few)
        assert alone == among_all, narrow.statement
        assert alone or narrow.statement == "cost_anomalies", f"{narrow.statement}: nothing to compare"


def test_a_page_across_jobs_counts_only_the_jobs_asked_about(warehouse, jobs):
    few, _ = jobs
    rows = _fetch(warehouse, RunsQuery(window=WINDOW, limit=1000, filter=RunFilterTerms(job_keys=tuple(few))))
    everything = _fetch(warehouse, RunsQuery(window=WINDOW, limit=100_000))
    expected = [r for r in everything if r["job_key"] in set(few)]
    assert rows and {r["total_count"] for r in rows} == {len(expected)}
    strip = lambda r: {k: v for k, v in _normal(r).items() if k != "total_count"}  # noqa: E731
    assert [strip(r) for r in rows] == [strip(r) for r in expected]


def test_jobs_by_key_are_the_same_asked_alone_or_with_every_job(warehouse, counted_workspace, jobs):
    few, every = jobs
    # A job that ran but has no row in the jobs table: named from its usage or its latest run (seen_jobs).
    unlisted = _truth(counted_workspace, """
        SELECT DISTINCT concat(r.workspace_id, ':', r.job_id) FROM lakeflow.job_run_timeline r
        WHERE NOT EXISTS (SELECT 1 FROM lakeflow.jobs j WHERE j.workspace_id = r.workspace_id AND j.job_id = r.job_id)
        ORDER BY 1 LIMIT 1""", [])
    assert unlisted, "the generated workspace should hold a job that ran but left the jobs table"
    few = sorted({*few, JobKey(unlisted[0][0])})
    every = sorted({*every, *few})
    alone = _fetch(warehouse, JobsQuery.by_keys(few, NOW))
    among_all = _of(_fetch(warehouse, JobsQuery.by_keys(every, NOW)), few)
    strip = lambda r: {k: v for k, v in r.items() if k != "total_count"}  # noqa: E731
    assert len(alone) == len(few) and any(not r["in_jobs_table"] for r in alone)
    assert sorted(map(strip, alone), key=repr) == sorted(map(strip, among_all), key=repr)

