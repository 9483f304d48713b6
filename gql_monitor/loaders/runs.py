"""Job runs from the run timeline: a page across jobs, each job's first N runs (with their costs and task runs when
selected), and runs by key."""

from __future__ import annotations

from datetime import datetime

from gql_monitor.costing import SubjectCosts
from gql_monitor.loaders.batching import Fetch, KeyedLoader, QuestionLoader, SegmentedLoader, group_rows
from gql_monitor.loaders.keys import JobRunsKey, split_job_runs
from gql_monitor.questions import Row
from gql_monitor.questions.keys import JobKey, RunKey, job_key, job_run_key, run_key
from gql_monitor.questions.run_page_costs import RunPageCostsQuery
from gql_monitor.questions.run_page_task_runs import RunPageTaskRunsQuery
from gql_monitor.questions.runs import RunsQuery


def runs_page_loader(fetch: Fetch) -> QuestionLoader[RunsQuery]:
    return QuestionLoader(fetch)


def runs_by_job_loader(fetch: Fetch) -> SegmentedLoader[JobRunsKey, list[Row]]:
    """One statement per distinct page for all the jobs asking for it."""

    async def load(page: RunsQuery, job_keys: list[JobKey]) -> dict[JobKey, list[Row]]:
        return group_rows(await fetch(page.of_jobs(job_keys)), job_key)

    return SegmentedLoader(split_job_runs, load, missing=[])


def run_page_costs_loader(fetch: Fetch, now: datetime) -> SegmentedLoader[JobRunsKey, SubjectCosts]:
    """Costs of the runs each job's runs page holds: same keys as runs_by_job, so both go out together."""

    async def load(page: RunsQuery, job_keys: list[JobKey]) -> dict[JobKey, SubjectCosts]:
        rows = await fetch(RunPageCostsQuery(page.of_jobs(job_keys), now))
        costs = SubjectCosts(rows, lambda row: row["run_key"])
        return {job: costs for job in job_keys}

    return SegmentedLoader(split_job_runs, load)


def run_page_tasks_loader(fetch: Fetch) -> SegmentedLoader[JobRunsKey, dict[RunKey, list[Row]]]:
    """Task runs of the runs each job's runs page holds, by run: same keys as runs_by_job."""

    async def load(page: RunsQuery, job_keys: list[JobKey]) -> dict[JobKey, dict[RunKey, list[Row]]]:
        rows = await fetch(RunPageTaskRunsQuery(page.of_jobs(job_keys)))
        return {job: group_rows(job_rows, job_run_key) for job, job_rows in group_rows(rows, job_key).items()}

    return SegmentedLoader(split_job_runs, load, missing={})


def runs_by_key_loader(fetch: Fetch, now: datetime) -> KeyedLoader[RunKey, Row | None]:
    async def load(keys: list[RunKey]) -> dict[RunKey, Row]:
        return {run_key(row): row for row in await fetch(RunsQuery.by_keys(keys, now))}

    return KeyedLoader(load)
