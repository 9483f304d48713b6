"""Root run fields: `run(id)` and `runs(...)` across all jobs, and the runs page of `Job.runs`."""

from __future__ import annotations

from gql_monitor.graphql import questions
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import RunFilter, RunOrder, TimeWindowInput, encode_cursor
from gql_monitor.graphql.selection import connection_node_fields
from gql_monitor.graphql.types.common import Connection, connection
from gql_monitor.graphql.types.run import Run, RunLive
from gql_monitor.loaders.live import HOME_WORKSPACE
from gql_monitor.loaders.keys import JobRunsKey
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.run_page_details import PageLookAhead
from gql_monitor.questions.runs_ranked import RankedRunsQuery


async def resolve_run(info: Info, id: str) -> Run | None:
    row = await info.context.loaders.run.load(questions.run_key(id))
    return Run.from_row(row) if row else None


async def resolve_live_run(info: Info, id: str) -> RunLive | None:
    workspace_id, run_id = questions.run_key(id).split(":")
    loaders = info.context.loaders
    # The Jobs API serves one workspace; an id of another names a different run there, or none.
    if workspace_id != await loaders.home_workspace.load(HOME_WORKSPACE):
        return None
    details = await loaders.run_details.load(int(run_id))
    return RunLive.from_api(details) if details else None


def _page(rows: list[dict], first: int, **prefetched) -> Connection[Run]:
    runs = [Run.from_row(row, **prefetched) for row in rows]
    return connection([(run, run.cursor) for run in runs], first, rows[0]["total_count"] if rows else 0)


async def resolve_runs(
    info: Info, first: int, after: str | None, filter: RunFilter | None, window: TimeWindowInput | None,
    order_by: RunOrder = RunOrder.START_TIME,
) -> Connection[Run]:
    query = questions.runs_page(info.context.now, first, after, filter, window, order_by)
    rows = await info.context.loaders.runs_page.load(query)
    if not isinstance(query, RankedRunsQuery):
        return _page(rows, first)
    # A ranked page's cursors carry the order and the run's rank value, so the next page starts where this one ends.
    edges = [(Run.from_row(row), encode_cursor(questions.RANKED_RUN_CURSOR, questions.ranked_run_cursor(query, row)))
             for row in rows]
    return connection(edges, first, rows[0]["total_count"] if rows else 0)


async def resolve_job_runs(
    info: Info, job: JobKey, first: int, after: str | None, filter: RunFilter | None,
    window: TimeWindowInput | None,
) -> Connection[Run]:
    """One job's runs page; batched with its sibling jobs' pages into one statement by runs_by_job."""
    page = questions.job_runs_page(info.context.now, first, after, filter, window)
    # Look-ahead: when the runs' cost or tasks are selected, ask for them with the page, in the same statement,
    # instead of one level later.
    wanted = connection_node_fields(info)
    costs, tasks = "cost" in wanted, "tasks" in wanted
    look_ahead = PageLookAhead(costs, tasks, info.context.now) if costs or tasks else None
    runs = await info.context.loaders.runs_by_job.load(JobRunsKey(job, page, look_ahead))
    return _page(runs, first, prefetched_cost=runs.costs, prefetched_tasks=runs.tasks)
