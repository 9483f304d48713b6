"""The warehouse loaders driven directly with a fake `Fetch`: a plain callable that records the questions it is asked
and answers from rows given here. What is pinned: how keys become questions (one per batch or segment), and how the
answer's rows go back to the keys that asked."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from types import SimpleNamespace

from gql_monitor.loaders.costs import cost_by_run_loader
from gql_monitor.loaders.jobs import jobs_by_key_loader
from gql_monitor.loaders.reference import workspaces_loader
from gql_monitor.loaders.run_stats import run_stats_loader
from gql_monitor.loaders.runs import runs_by_job_loader, runs_page_loader
from gql_monitor.loaders.tasks import task_runs_by_run_loader
from gql_monitor.loaders.keys import JobRunsKey, JobWindowKey
from gql_monitor.questions.cost_by_run import RunCostQuery
from gql_monitor.questions.jobs import JobsQuery
from gql_monitor.questions.keys import JobKey, RunKey, RunRef
from gql_monitor.questions.run_page_details import PageLookAhead, RunPageDetailsQuery
from gql_monitor.questions.run_stats import RunStatsQuery
from gql_monitor.questions.runs import RunFilterTerms, RunsQuery
from gql_monitor.questions.task_runs import TaskRunsQuery
from gql_monitor.questions.windows import Window

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
WEEK = Window(NOW - timedelta(days=7), NOW)
A, B, C = JobKey("1:10"), JobKey("1:20"), JobKey("2:10")


class FakeFetch:
    """Answers each statement with `rows[statement]` (or a function of the question); remembers what it was asked."""

    def __init__(self, **rows) -> None:
        self.rows = rows
        self.asked: list = []

    async def __call__(self, question):
        self.asked.append(question)
        answer = self.rows.get(question.statement, [])
        if isinstance(answer, Exception):
            raise answer
        return answer(question) if callable(answer) else answer


def loaders(fetch: FakeFetch) -> SimpleNamespace:
    return SimpleNamespace(
        runs_by_job=runs_by_job_loader(fetch), job=jobs_by_key_loader(fetch, NOW),
        task_runs_by_run=task_runs_by_run_loader(fetch), cost_by_run=cost_by_run_loader(fetch, NOW),
        run_stats=run_stats_loader(fetch), runs_page=runs_page_loader(fetch), workspace=workspaces_loader(fetch),
    )


def run_row(workspace: str, job: str, run: str) -> dict:
    return {"workspace_id": workspace, "job_id": job, "run_id": run, "job_key": f"{workspace}:{job}"}


async def test_sibling_jobs_asking_for_the_same_page_are_one_question_and_get_their_own_runs():
    fetch = FakeFetch(runs=[run_row("1", "10", "100"), run_row("1", "10", "101"), run_row("2", "10", "200")])
    page = RunsQuery(window=WEEK, limit=3, per_job=True)
    other = RunsQuery(window=WEEK, limit=3, filter=RunFilterTerms(in_progress=True), per_job=True)
    runs = loaders(fetch).runs_by_job
    a, b, c, a_other = await asyncio.gather(
        runs.load(JobRunsKey(A, page)), runs.load(JobRunsKey(B, page)), runs.load(JobRunsKey(C, page)),
        runs.load(JobRunsKey(A, other)),
    )
    assert [r["run_id"] for r in a] == ["100", "101"] and b == [] and [r["run_id"] for r in c] == ["200"]
    assert len(a_other) == 2  # the fake answers every page alike; what matters is that it was asked separately
    assert sorted(fetch.asked, key=repr) == sorted([page.of_jobs([A, B, C]), other.of_jobs([A])], key=repr)
    assert fetch.asked[0].params()["job_keys"] in (["1:10", "1:20", "2:10"], ["1:10"])


def page_row(workspace: str, job: str, run: str, **look_ahead) -> dict:
    """A row of run_page_details.sql: the run's row as runs.sql has it, plus the look-ahead's columns."""
    return {**run_row(workspace, job, run), "page_usage": None, "page_activity": None, "page_task_runs": None,
            "page_billed_through": None, **look_ahead}


async def test_a_pages_look_ahead_is_the_same_statement_as_the_page_and_each_run_gets_its_own_part():
    billed = NOW - timedelta(hours=2)
    usage = {"usage_date": NOW.date(), "sku_name": "JOBS", "usage_unit": "DBU", "currency_code": "USD",
             "unit_price": Decimal("0.15"), "quantity": Decimal("10")}
    late, early = ({"run_id": n, "task_key": "t", "start_time": NOW - timedelta(minutes=m)} for n, m in ((8, 5), (9, 50)))
    fetch = FakeFetch(run_page_details=[
        page_row("1", "10", "100", page_usage=[usage], page_billed_through=billed, page_task_runs=[late, early],
                 page_activity={"task_runs": 2, "all_purpose_task_runs": 0, "open_task_runs": 0, "last_end": billed}),
        page_row("1", "20", "200", page_billed_through=billed, page_task_runs=[]),
    ])
    page = RunsQuery(window=WEEK, limit=3, per_job=True)
    look_ahead = PageLookAhead(costs=True, tasks=True, now=NOW)
    runs = loaders(fetch).runs_by_job
    a, b, c = await asyncio.gather(*(runs.load(JobRunsKey(job, page, look_ahead)) for job in (A, B, C)))
    assert fetch.asked == [RunPageDetailsQuery(page.of_jobs([A, B, C]), look_ahead)]
    params = fetch.asked[0].params()
    assert params["usage_start"] == WEEK.start.replace(minute=0) and params["usage_end"] == NOW + timedelta(hours=1)
    assert params["with_costs"] is True and params["with_tasks"] is True
    # The page's rows are runs.sql's rows: the look-ahead's columns are taken off.
    assert list(a) == [run_row("1", "10", "100")] and list(b) == [run_row("1", "20", "200")] and list(c) == []
    assert a.tasks["1:100"] == [early, late] and a.tasks["1:200"] == []
    assert a.costs.of("1:100").dbus == Decimal("10") and a.costs.of("1:100").billed_through == billed
    assert a.costs.of("1:200").dbus == 0 and a.costs.of("1:200").billed_through == billed


async def test_a_page_without_look_ahead_is_runs_sql_and_a_look_ahead_not_asked_for_is_none():
    fetch = FakeFetch(runs=[run_row("1", "10", "100")], run_page_details=[page_row("1", "10", "100")])
    page = RunsQuery(window=WEEK, limit=3, per_job=True)
    runs = loaders(fetch).runs_by_job
    plain, costs_only = await asyncio.gather(
        runs.load(JobRunsKey(A, page)), runs.load(JobRunsKey(A, page, PageLookAhead(True, False, NOW))))
    assert plain.costs is None and plain.tasks is None
    assert costs_only.costs is not None and costs_only.tasks is None
    assert [q.statement for q in fetch.asked] == ["runs", "run_page_details"]


async def test_jobs_by_key_are_one_question_and_an_unknown_key_is_none():
    fetch = FakeFetch(jobs=[{"workspace_id": "1", "job_id": "10", "name": "a"}])
    job = loaders(fetch).job
    found, missing = await asyncio.gather(job.load(A), job.load(B))
    assert found["name"] == "a" and missing is None
    assert fetch.asked == [JobsQuery.by_keys([A, B], NOW)]
    assert fetch.asked[0].params()["include_deleted"] is True


async def test_runs_by_reference_are_read_from_the_earliest_runs_hour():
    early, late = RunRef(RunKey("1:1"), NOW - timedelta(days=2, minutes=-17)), RunRef(RunKey("1:2"), NOW)
    fetch = FakeFetch(cost_by_run=[], task_runs=[{"workspace_id": "1", "job_run_id": "2", "task_key": "t"}])
    built = loaders(fetch)
    late_tasks, early_tasks, *_ = await asyncio.gather(
        built.task_runs_by_run.load(late), built.task_runs_by_run.load(early),
        built.cost_by_run.load(late), built.cost_by_run.load(early),
    )
    assert [t["task_key"] for t in late_tasks] == ["t"] and early_tasks == []
    tasks_question = next(q for q in fetch.asked if isinstance(q, TaskRunsQuery))
    assert tasks_question.params()["window_start"] == early.start - timedelta(hours=1)
    cost_question = next(q for q in fetch.asked if isinstance(q, RunCostQuery))
    assert cost_question.params()["usage_start"] == (NOW - timedelta(days=2)).replace(minute=0)


async def test_run_stats_windows_are_segments():
    fetch = FakeFetch(run_stats=lambda q: [{"workspace_id": "1", "job_id": "10", "runs": len(q.job_keys)}])
    stats = loaders(fetch).run_stats
    day = Window(NOW - timedelta(days=1), NOW)
    a_week, b_week, a_day = await asyncio.gather(stats.load(JobWindowKey(A, WEEK)), stats.load(JobWindowKey(B, WEEK)),
                                                 stats.load(JobWindowKey(A, day)))
    assert a_week[0]["runs"] == 2 and b_week == [] and a_day[0]["runs"] == 1
    assert set(fetch.asked) == {RunStatsQuery((A, B), WEEK), RunStatsQuery((A,), day)}


async def test_equal_page_questions_are_asked_once_and_a_failing_one_fails_alone():
    good = RunsQuery(window=WEEK, limit=5)
    bad = RunsQuery(window=WEEK, limit=6)
    fetch = FakeFetch(runs=lambda q: (_ for _ in ()).throw(RuntimeError("refused")) if q.limit == 6 else [{"n": 1}])
    pages = loaders(fetch).runs_page
    first, again, failed = await asyncio.gather(pages.load(good), pages.load(RunsQuery(window=WEEK, limit=5)),
                                                pages.load(bad), return_exceptions=True)
    assert first == again == [{"n": 1}]
    assert isinstance(failed, RuntimeError)
    assert sorted(q.limit for q in fetch.asked) == [5, 6]


async def test_workspaces_are_one_small_question_whatever_is_asked():
    fetch = FakeFetch(workspaces=[{"workspace_id": "1", "workspace_name": "one"}])
    workspace = loaders(fetch).workspace
    one, unknown = await asyncio.gather(workspace.load("1"), workspace.load("9"))
    assert one["workspace_name"] == "one" and unknown is None
    assert len(fetch.asked) == 1


@pytest.mark.parametrize("limit", [1, 3])
async def test_a_job_with_more_runs_than_the_page_gets_what_the_statement_returned(limit):
    # The statement cuts each job's page (row_number per job); the loader must not cut or pad it again.
    rows = [run_row("1", "10", str(n)) for n in range(limit)]
    fetch = FakeFetch(runs=rows)
    got = await loaders(fetch).runs_by_job.load(JobRunsKey(A, RunsQuery(window=WEEK, limit=limit, per_job=True)))
    assert [r["run_id"] for r in got] == [str(n) for n in range(limit)]
