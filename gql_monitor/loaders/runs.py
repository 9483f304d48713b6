"""Job runs from the run timeline: a page across jobs, each job's first N runs (with their costs and task runs when
selected, in the same statement), and runs by key."""

from __future__ import annotations

from datetime import datetime

from gql_monitor.costing import SubjectCosts
from gql_monitor.loaders.batching import Fetch, KeyedLoader, QuestionLoader, SegmentedLoader, group_rows
from gql_monitor.loaders.keys import JobRunsKey, split_job_runs
from gql_monitor.questions import Row
from gql_monitor.questions.keys import JobKey, RunKey, job_key, run_key
from gql_monitor.questions.run_page_details import PageLookAhead, RunPageDetailsQuery
from gql_monitor.questions.runs import RunsQuery

# The columns run_page_details.sql adds to each run of the page; the rest of a row is the row runs.sql returns.
_LOOK_AHEAD_COLUMNS = ("page_usage", "page_activity", "page_task_runs", "page_billed_through")


class RunPage(list):
    """One job's runs (rows as runs.sql returns them), and what the page's look-ahead answered about them: `costs`
    (every run's spend, by run key) and `tasks` (task runs by run key, in start order); None when not asked."""

    def __init__(self, rows: list[Row], costs: SubjectCosts | None = None,
                 tasks: dict[RunKey, list[Row]] | None = None) -> None:
        super().__init__(rows)
        self.costs = costs
        self.tasks = tasks


def runs_page_loader(fetch: Fetch) -> QuestionLoader[RunsQuery]:
    return QuestionLoader(fetch)


def runs_by_job_loader(fetch: Fetch) -> SegmentedLoader[JobRunsKey, RunPage]:
    """One statement per distinct page (and look-ahead) for all the jobs asking for it."""

    async def load(segment: tuple[RunsQuery, PageLookAhead | None], job_keys: list[JobKey]) -> dict[JobKey, RunPage]:
        page, look_ahead = segment
        if look_ahead is None:
            by_job = group_rows(await fetch(page.of_jobs(job_keys)), job_key)
            return {job: RunPage(by_job.get(job, [])) for job in job_keys}
        rows, costs, tasks = split_look_ahead(await fetch(RunPageDetailsQuery(page.of_jobs(job_keys), look_ahead)),
                                              look_ahead)
        by_job = group_rows(rows, job_key)
        return {job: RunPage(by_job.get(job, []), costs, tasks) for job in job_keys}

    return SegmentedLoader(split_job_runs, load)


def split_look_ahead(rows: list[Row], look_ahead: PageLookAhead) \
        -> tuple[list[Row], SubjectCosts | None, dict[RunKey, list[Row]] | None]:
    """run_page_details.sql's rows taken apart: the page's rows as runs.sql has them, the runs' costs in the rows of
    the cost statements (SubjectCosts), and their task runs in the rows of task_runs.sql, in its order."""
    page, cost_rows, tasks = [], [], {}
    for row in rows:
        key = run_key(row)
        usage, activity, task_runs, billed_through = (row.pop(column) for column in _LOOK_AHEAD_COLUMNS)
        page.append(row)
        cost_rows += [{"row_kind": "usage", "run_key": key, **usage_row} for usage_row in usage or ()]
        if activity is not None:
            cost_rows.append({"row_kind": "activity", "run_key": key, **activity})
        if billed_through is not None:
            cost_rows.append({"row_kind": "billing", "billed_through": billed_through})
        tasks[key] = sorted(task_runs or (), key=lambda r: (r["start_time"], r["task_key"] or "", r["run_id"]))
    costs = SubjectCosts(cost_rows, lambda row: row["run_key"]) if look_ahead.costs else None
    return page, costs, tasks if look_ahead.tasks else None


def runs_by_key_loader(fetch: Fetch, now: datetime) -> KeyedLoader[RunKey, Row | None]:
    async def load(keys: list[RunKey]) -> dict[RunKey, Row]:
        return {run_key(row): row for row in await fetch(RunsQuery.by_keys(keys, now))}

    return KeyedLoader(load)
