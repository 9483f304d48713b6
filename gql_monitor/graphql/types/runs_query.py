"""Root run fields: `run(id)` and `runs(...)` across all jobs."""

from __future__ import annotations

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import (
    RunFilter,
    TimeWindowInput,
    cursor_text,
    cursor_time,
    decode_cursor,
    page_size,
    resolve_window,
    split_id,
    text,
    texts,
)
from gql_monitor.graphql.selection import connection_node_fields
from gql_monitor.graphql.types.common import Connection, connection
from gql_monitor.graphql.types.run import Run
from gql_monitor.loaders.params import list_or_none
from gql_monitor.loaders.runs import fetch_runs_page


def run_filter_params(filter: RunFilter | None) -> dict:
    if filter is None:
        return {}
    if filter.min_duration_seconds is not None and filter.min_duration_seconds < 0:
        from gql_monitor.errors import BadUserInput

        raise BadUserInput("`minDurationSeconds` must not be negative.")
    job_keys = None
    if filter.job_ids is not None:
        job_keys = [":".join(split_id(job_id, "A job id")) for job_id in texts(filter.job_ids, "jobIds")]
    return {
        "workspace_id": text(filter.workspace_id, "workspaceId"),
        "job_keys": list_or_none(job_keys),
        "result_states": list_or_none(s.value for s in filter.result_states or []),
        "termination_codes": list_or_none(texts(filter.termination_codes, "terminationCodes")),
        "trigger_types": list_or_none(t.value for t in filter.trigger_types or []),
        "run_types": list_or_none(t.value for t in filter.run_types or []),
        "min_duration_seconds": filter.min_duration_seconds,
        "in_progress": filter.in_progress,
    }


async def resolve_run(info: Info, id: str) -> Run | None:
    key = ":".join(split_id(id, "A run id"))
    row = await info.context.loaders.run.load(key)
    return Run.from_row(row) if row else None


def _page_filters(filter: RunFilter | None, after: str | None) -> dict:
    filters = run_filter_params(filter)
    if after is not None:
        after_start, after_key = decode_cursor(after, "run", (cursor_time, cursor_text))
        filters.update(after_start=after_start, after_key=after_key)
    return filters


def _page(rows: list[dict], limit: int, **prefetched) -> Connection[Run]:
    runs = [Run.from_row(row, **prefetched) for row in rows]
    return connection([(run, run.cursor) for run in runs], limit, rows[0]["total_count"] if rows else 0)


async def resolve_runs(
    info: Info, first: int, after: str | None, filter: RunFilter | None, window: TimeWindowInput | None
) -> Connection[Run]:
    limit = page_size(first)
    start, end = resolve_window(window, info.context.now)
    rows = await fetch_runs_page(info.context.fetch, _page_filters(filter, after), start, end, limit + 1)
    return _page(rows, limit)


async def resolve_job_runs(
    info: Info, job_key: str, first: int, after: str | None, filter: RunFilter | None,
    window: TimeWindowInput | None,
) -> Connection[Run]:
    """One job's runs page; batched with its sibling jobs' pages into one statement by runs_by_job."""
    limit = page_size(first)
    start, end = resolve_window(window, info.context.now)
    filters = _page_filters(filter, after)
    filters.pop("job_keys", None)
    segment = (limit + 1, start, end, tuple(sorted((k, _hashable(v)) for k, v in filters.items())))
    key = (job_key, segment)
    loaders = info.context.loaders
    # Look-ahead: when the runs' cost or tasks are selected, ask for them now, in the same round trip as the page,
    # instead of one level later.
    wanted = connection_node_fields(info)
    costs = loaders.run_page_costs.load(key) if "cost" in wanted else None
    tasks = loaders.run_page_tasks.load(key) if "tasks" in wanted else None
    rows = await loaders.runs_by_job.load(key)
    return _page(rows, limit, prefetched_cost=costs, prefetched_tasks=tasks)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value
