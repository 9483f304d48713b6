"""Root job fields: `job(id)` and `jobs(...)`."""

from __future__ import annotations

from gql_monitor.graphql import questions
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import JobFilter, JobOrder, TimeWindowInput, encode_cursor
from gql_monitor.graphql.types.common import Connection, connection
from gql_monitor.graphql.types.job import Job, load_job


async def resolve_job(info: Info, id: str) -> Job | None:
    return await load_job(info, questions.job_key(id))


async def resolve_jobs(
    info: Info, first: int, after: str | None, filter: JobFilter | None, order_by: JobOrder,
    window: TimeWindowInput | None = None,
) -> Connection[Job]:
    query = questions.jobs_page(info.context.now, first, after, filter, order_by, info.context.thresholds, window)
    rows = await info.context.loaders.jobs_page.load(query)
    edges = [(Job.from_row(row), encode_cursor("job", questions.jobs_cursor(query, row))) for row in rows]
    return connection(edges, first, rows[0]["total_count"] if rows else 0)
