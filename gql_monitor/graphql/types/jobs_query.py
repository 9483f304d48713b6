"""Root job fields: `job(id)` and `jobs(...)`."""

from __future__ import annotations

from gql_monitor.errors import BadUserInput
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import JobFilter, JobOrder, cursor_text, decode_cursor, page_size, split_id, text
from gql_monitor.graphql.types.common import Connection, connection
from gql_monitor.graphql.types.job import Job, load_job
from gql_monitor.loaders.jobs import fetch_jobs_page
from gql_monitor.loaders.params import list_or_none

MAX_TAG_FILTERS = 3


def job_filter_params(filter: JobFilter | None) -> dict:
    if filter is None:
        return {}
    params = {
        "workspace_id": text(filter.workspace_id, "workspaceId"),
        "name_search": text(filter.name_contains, "nameContains") or None,
        "run_as": text(filter.run_as, "runAs"),
        "creator": text(filter.creator, "creator"),
        "include_deleted": filter.include_deleted,
        "in_jobs_table": filter.in_jobs_table,
    }
    tags = filter.tags or []
    if len(tags) > MAX_TAG_FILTERS:
        raise BadUserInput(f"At most {MAX_TAG_FILTERS} tag filters.")
    pairs = [(text(tag.key, "A tag key"), text(tag.value, "A tag value")) for tag in tags]
    valued = [(key, value) for key, value in pairs if value is not None]
    params["tag_keys"] = list_or_none(key for key, _ in pairs)
    params["tag_value_keys"] = list_or_none(key for key, _ in valued)
    params["tag_values"] = list_or_none(value for _, value in valued)
    return params


async def resolve_job(info: Info, id: str) -> Job | None:
    return await load_job(info, ":".join(split_id(id, "A job id")))


async def resolve_jobs(
    info: Info, first: int, after: str | None, filter: JobFilter | None, order_by: JobOrder
) -> Connection[Job]:
    limit = page_size(first)
    params = {**job_filter_params(filter), "order_by": order_by.value}
    if after is not None:
        after_sort, after_key, after_order = decode_cursor(after, "job", (cursor_text, cursor_text, cursor_text))
        if after_order != order_by.value:
            raise BadUserInput("`after` was given out for a different `orderBy`.")
        params.update(after_sort=after_sort, after_key=after_key)
    rows = await fetch_jobs_page(info.context.fetch, info.context.now, params, limit + 1)
    jobs = [Job.from_row(row) for row in rows]
    cursors = [encode_job_cursor(row, order_by) for row in rows]
    return connection(list(zip(jobs, cursors)), limit, rows[0]["total_count"] if rows else 0)


def encode_job_cursor(row: dict, order_by: JobOrder) -> str:
    from gql_monitor.graphql.inputs import encode_cursor

    return encode_cursor("job", [row["sort_key"], row["job_key"], order_by.value])
