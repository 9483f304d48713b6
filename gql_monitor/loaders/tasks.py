"""Job tasks (current definition) and task runs of job runs."""

from __future__ import annotations

from gql_monitor.loaders.batching import Fetch, KeyedLoader, group_rows
from gql_monitor.questions import Row
from gql_monitor.questions.job_tasks import JobTasksQuery
from gql_monitor.questions.keys import JobKey, RunRef, job_key, job_run_key
from gql_monitor.questions.task_runs import TaskRunsQuery


def tasks_by_job_loader(fetch: Fetch) -> KeyedLoader[JobKey, list[Row]]:
    async def load(job_keys: list[JobKey]) -> dict[JobKey, list[Row]]:
        return group_rows(await fetch(JobTasksQuery(tuple(job_keys))), job_key)

    return KeyedLoader(load, missing=[])


def task_runs_by_run_loader(fetch: Fetch) -> KeyedLoader[RunRef, list[Row]]:
    """One statement per batch, pruned at the earliest run start."""

    async def load(runs: list[RunRef]) -> dict[RunRef, list[Row]]:
        by_run = group_rows(await fetch(TaskRunsQuery(tuple(runs))), job_run_key)
        return {run: by_run.get(run.key, []) for run in runs}

    return KeyedLoader(load, missing=[])
