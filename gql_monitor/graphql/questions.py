"""GraphQL arguments to questions: the one place arguments are checked and put in the questions' own terms.

Resolvers hand their arguments here and a question (or a loader key) comes back; no resolver names a SQL parameter.
A page question asks for one row more than the page holds, to tell whether another page follows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from gql_monitor.errors import BadUserInput
from gql_monitor.graphql.inputs import (
    CostDimension,
    CostFilter,
    JobFilter,
    JobOrder,
    RunFilter,
    RunOrder,
    TimeWindowInput,
    cursor_decimal_or_none,
    cursor_text,
    cursor_time,
    decode_cursor,
    page_size,
    resolve_window,
    split_id,
    text,
    texts,
)
from gql_monitor.questions.costs_by_dimension import CostBreakdownQuery
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.questions.jobs import JobCursor, JobFilterTerms, JobsQuery, TagMatch
from gql_monitor.questions.jobs_ranked import PriorityRule, RankedJobsQuery
from gql_monitor.questions.keys import JobKey, RunKey
from gql_monitor.questions.runs import RunCursor, RunFilterTerms, RunsQuery
from gql_monitor.questions.runs_ranked import RankedRunsQuery
from gql_monitor.questions.windows import Window

MAX_TAG_FILTERS = 3


def job_key(id: str) -> JobKey:
    return JobKey(":".join(split_id(id, "A job id")))


def run_key(id: str) -> RunKey:
    return RunKey(":".join(split_id(id, "A run id")))


def job_filter(filter: JobFilter | None) -> JobFilterTerms:
    if filter is None:
        return JobFilterTerms()
    tags = filter.tags or []
    if len(tags) > MAX_TAG_FILTERS:
        raise BadUserInput(f"At most {MAX_TAG_FILTERS} tag filters.")
    return JobFilterTerms(
        workspace_id=text(filter.workspace_id, "workspaceId"),
        name_contains=text(filter.name_contains, "nameContains") or None,
        run_as=text(filter.run_as, "runAs"),
        creator=text(filter.creator, "creator"),
        include_deleted=filter.include_deleted,
        in_jobs_table=filter.in_jobs_table,
        tags=tuple(TagMatch(text(tag.key, "A tag key"), text(tag.value, "A tag value")) for tag in tags),
    )


PLAIN_ORDERS = {JobOrder.NAME, JobOrder.ID}
# Orders that rank by a window: their cursors name it, so a page is never continued in another window's order.
WINDOWED_ORDERS = {JobOrder.COST, JobOrder.DURATION}


def jobs_page(now: datetime, first: int, after: str | None, filter: JobFilter | None, order_by: JobOrder,
              thresholds: Thresholds, window: TimeWindowInput | None = None) -> JobsQuery:
    """jobs.sql for plain name and id pages; jobs_ranked.sql when the order or a priority filter needs health, spend,
    durations or the last run. `window` is what COST and DURATION rank by (default: the last 30 days)."""
    limit = page_size(first) + 1
    terms = job_filter(filter)
    rank_window = resolve_window(window, now) if window is not None else None
    cursor = None
    if after is not None:
        after_sort, after_key, after_order = decode_cursor(after, "job", (cursor_text, cursor_text, cursor_text))
        if after_order != job_cursor_order(order_by, rank_window):
            raise BadUserInput("`after` was given out for a different `orderBy` or `window`.")
        cursor = JobCursor(after_sort, after_key)
    priorities = tuple(sorted({priority.value for priority in (filter.priorities or [])})) if filter else ()
    if order_by in PLAIN_ORDERS and not priorities:
        return JobsQuery(now=now, limit=limit, filter=terms, order_by=order_by.value, after=cursor)
    rule = PriorityRule(thresholds.health_p1_failure_streak, thresholds.health_p2_success_rate,
                        thresholds.health_p3_success_rate, thresholds.health_min_finished_runs,
                        thresholds.health_min_failed_runs)
    return RankedJobsQuery(now=now, limit=limit, filter=terms, order_by=order_by.value, after=cursor, rule=rule,
                           priorities=priorities, rank_window=rank_window if order_by in WINDOWED_ORDERS else None)


def job_cursor_order(order_by: JobOrder, rank_window: Window | None) -> str:
    """What a jobs cursor says of its order: the order, and for COST and DURATION the window given (if any)."""
    if order_by not in WINDOWED_ORDERS or rank_window is None:
        return order_by.value
    return f"{order_by.value}@{rank_window.start.isoformat()}/{rank_window.end.isoformat()}"


def jobs_cursor(query: JobsQuery, row: dict) -> list:
    rank_window = query.rank_window if isinstance(query, RankedJobsQuery) else None
    return [row["sort_key"], row["job_key"], job_cursor_order(JobOrder(query.order_by), rank_window)]


def run_filter(filter: RunFilter | None) -> RunFilterTerms:
    if filter is None:
        return RunFilterTerms()
    if filter.min_duration_seconds is not None and filter.min_duration_seconds < 0:
        raise BadUserInput("`minDurationSeconds` must not be negative.")
    job_keys = None
    if filter.job_ids is not None:
        job_keys = tuple(job_key(job_id) for job_id in texts(filter.job_ids, "jobIds")) or None
    return RunFilterTerms(
        workspace_id=text(filter.workspace_id, "workspaceId"),
        job_keys=job_keys,
        result_states=tuple(state.value for state in filter.result_states or []),
        termination_codes=tuple(texts(filter.termination_codes, "terminationCodes") or []),
        trigger_types=tuple(trigger.value for trigger in filter.trigger_types or []),
        run_types=tuple(run_type.value for run_type in filter.run_types or []),
        min_duration_seconds=filter.min_duration_seconds,
        in_progress=filter.in_progress,
    )


def runs_page(now: datetime, first: int, after: str | None, filter: RunFilter | None,
              window: TimeWindowInput | None, order_by: RunOrder = RunOrder.START_TIME) -> RunsQuery:
    """A page of runs across jobs (`filter.jobIds` narrows it): runs.sql newest first, runs_ranked.sql in another
    order. Each order gives out its own cursors: one of another order is refused, never misread."""
    limit = page_size(first) + 1
    span = resolve_window(window, now)
    terms = run_filter(filter)
    if order_by is RunOrder.START_TIME:
        cursor = None
        if after is not None:
            after_start, after_key = decode_cursor(after, "run", (cursor_time, cursor_text))
            cursor = RunCursor(after_start, after_key)
        return RunsQuery(window=span, limit=limit, filter=terms, after=cursor)
    ranked = RankedRunsQuery(window=span, limit=limit, filter=terms, order_by=order_by.value, now=now)
    if after is None:
        return ranked
    after_order, after_rank, after_start, after_key = decode_cursor(
        after, RANKED_RUN_CURSOR, (cursor_text, cursor_decimal_or_none, cursor_time, cursor_text))
    if after_order != order_by.value:
        raise BadUserInput("`after` was given out for a different `orderBy`.")
    return replace(ranked, after=RunCursor(after_start, after_key), after_rank=after_rank)


# The cursor kind of runs in a ranked order: (order, rank value or null, start, run key).
RANKED_RUN_CURSOR = "ranked_run"


def ranked_run_cursor(query: RankedRunsQuery, row: dict) -> list:
    rank = row["rank_value"]
    return [query.order_by, None if rank is None else format(Decimal(str(rank)), "f"), row["start_time"].isoformat(),
            row["run_key"]]


def job_runs_page(now: datetime, first: int, after: str | None, filter: RunFilter | None,
                  window: TimeWindowInput | None) -> RunsQuery:
    """The page each job asks for in `Job.runs` (the loader names the jobs; `filter.jobIds` is ignored there)."""
    page = runs_page(now, first, after, filter, window)
    return replace(page, filter=replace(page.filter, job_keys=None), per_job=True)


def cost_breakdown(now: datetime, window: TimeWindowInput, group_by: CostDimension, filter: CostFilter | None,
                   tag_key: str | None) -> CostBreakdownQuery:
    span = resolve_window(window, now)
    if group_by is CostDimension.TAG and not tag_key:
        raise BadUserInput("Grouping by TAG needs `tagKey`.")
    filter = filter or CostFilter()
    return CostBreakdownQuery(
        dimension=group_by.value,
        window=span,
        tag_key=text(tag_key, "tagKey"),
        workspace_id=text(filter.workspace_id, "workspaceId"),
        skus=tuple(texts(filter.skus, "skus") or []),
        products=tuple(texts(filter.products, "products") or []),
    )
