"""Root `costs`: account spend grouped by a dimension, with the unattributed remainder as its own group."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from gql_monitor.costing import CostSummary, quantize
from gql_monitor.graphql import questions
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import CostDimension, CostFilter, TimeWindowInput, finite, page_size
from gql_monitor.graphql.types.common import Cost, CostAttribution, Money, TimeWindow, cost_from_summary
from gql_monitor.graphql.types.visibility import JobScopeKind, scope_kind
from gql_monitor.questions.windows import Window

MAX_GROUPS = 1000


@strawberry.type(description="Spend of one group. `key` is null for the unattributed remainder: usage with no job "
                             "(all-purpose compute, DLT, SQL warehouses, ...) when grouping by job, usage without the "
                             "tag when grouping by tag, without a run-as identity when grouping by run-as.")
class CostGroup:
    key: str | None = strawberry.field(
        description="The group's value of the dimension: `<workspace id>:<job id>` (JOB), SKU name (SKU), workspace "
        "id (WORKSPACE), the tag's value (TAG), run-as identity (RUN_AS), billing_origin_product (PRODUCT) or "
        "YYYY-MM-DD usage date, UTC (DAY); null for the unattributed remainder."
    )
    label: str | None = strawberry.field(description="A readable name: job name, workspace name, or the key.")
    unattributed: bool = strawberry.field(description="True for the remainder group whose `key` is null.")
    cost: Cost = strawberry.field(description="The group's spend in the window (attribution GROUPED_USAGE).")


@strawberry.type(
    description="Account spend in a window, grouped. The groups' exact amounts add up to `total`; each amount is "
                "reported rounded to 1e-6."
)
class CostBreakdown:
    window: TimeWindow = strawberry.field(description="The window; usage that started in it is counted.")
    group_by: CostDimension = strawberry.field(description="The dimension the groups are keyed by.")
    total: Money = strawberry.field(
        description="All spend in the window that passes the filters, at list price; `attributedToJobs` plus "
        "`unattributedToJobs` (before rounding)."
    )
    attributed_to_jobs: Money = strawberry.field(description="Spend on usage that carries a job id.")
    unattributed_to_jobs: Money = strawberry.field(
        description="Spend on usage no job can be charged for (all-purpose compute, DLT, SQL warehouses, ...)."
    )
    group_count: int = strawberry.field(
        description="How many groups there are (after `minListCost`), the unattributed one included; `groups(first)` "
        "may list fewer."
    )
    billed_through: datetime | None = strawberry.field(
        description="End of the newest usage record in system.billing.usage; usage after it is not in these figures "
        "yet. Null when nothing is billed from the window's start on."
    )
    complete: bool = strawberry.field(
        description="Billing has caught up with the whole window: `billedThrough` is at or after its end."
    )

    # Groups ranked (most expensive first, the unattributed one last), summed but not yet built: only the ones asked
    # for are given their labels and figures, so a large account's thousands of jobs cost a page, not all of them.
    ranked: strawberry.Private[list[tuple[str | None, CostSummary]]]
    span: strawberry.Private[Window]

    @strawberry.field(description="Most expensive first; the unattributed group is last. `first`: only the N most "
                                  "expensive groups (1..1000), then the unattributed group if there is one; their "
                                  "amounts then add up to less than `total` (`groupCount` says how many there are). "
                                  "Null: every group.")
    async def groups(self, info: Info, first: Annotated[int | None, strawberry.argument(
            description="How many of the most expensive groups, 1 to 1000; null: all.")] = None) -> list[CostGroup]:
        ranked = self.ranked
        if first is not None:
            page_size(first, MAX_GROUPS)
            ranked = [g for g in ranked if g[0] is not None][:first] + [g for g in ranked if g[0] is None]
        labels = await _labels(info, self.group_by, [key for key, _ in ranked if key is not None])
        return [CostGroup(key=key, label=labels.get(key, key), unattributed=key is None,
                          cost=cost_from_summary(summary, self.span, CostAttribution.GROUPED_USAGE, self.span.end))
                for key, summary in ranked]

    @strawberry.field(description="What these figures cover: every job and the unattributed remainder "
                                  "(ALL_JOBS), or only the jobs you may see (VISIBLE_JOBS), where spend of other jobs "
                                  "and of no job is left out.")
    def scope(self, info: Info) -> JobScopeKind:
        return scope_kind(info)


def usage_rows(rows: list[dict]) -> list[dict]:
    return [row for row in rows if row["row_kind"] != "billing"]


def split_by_attribution(rows: list[dict]) -> tuple[CostSummary, CostSummary, CostSummary, datetime | None]:
    """costs_by_dimension.sql's rows summed: total, attributed to jobs, unattributed, and billed through."""
    total, attributed, unattributed = CostSummary(), CostSummary(), CostSummary()
    for row in usage_rows(rows):
        total.add(row)
        (attributed if row["attributed_to_job"] else unattributed).add(row)
    billed = next((row["billed_through"] for row in rows if row["row_kind"] == "billing"), None)
    return total, attributed, unattributed, billed


async def resolve_costs(
    info: Info, window: TimeWindowInput, group_by: CostDimension, filter: CostFilter | None, tag_key: str | None
) -> CostBreakdown:
    query = questions.cost_breakdown(info.context.now, window, group_by, filter, tag_key)
    min_list_cost = finite((filter or CostFilter()).min_list_cost, "minListCost")
    rows = await info.context.loaders.cost_breakdown.load(query)
    total, attributed, unattributed, billed = split_by_attribution(rows)
    per_group: dict = {}
    for row in usage_rows(rows):
        per_group.setdefault(row["group_key"], CostSummary(billed_through=billed)).add(row)
    if min_list_cost is not None:
        per_group = {key: summary for key, summary in per_group.items()
                     if key is None or quantize(summary.amount) >= min_list_cost}
    ranked = sorted(per_group.items(), key=lambda g: (g[0] is None, -quantize(g[1].amount), g[0] or ""))
    return CostBreakdown(
        window=TimeWindow(start=query.window.start, end=query.window.end),
        group_by=group_by,
        total=Money(amount=quantize(total.amount), currency=total.currency),
        attributed_to_jobs=Money(amount=quantize(attributed.amount), currency=total.currency),
        unattributed_to_jobs=Money(amount=quantize(unattributed.amount), currency=total.currency),
        group_count=len(ranked),
        ranked=ranked,
        span=query.window,
        billed_through=billed,
        complete=billed is not None and billed >= query.window.end,
    )


async def _labels(info: Info, group_by: CostDimension, keys: list[str]) -> dict[str, str | None]:
    if group_by is CostDimension.JOB:
        rows = await info.context.loaders.job.load_many(keys)
        return {key: row["name"] for key, row in zip(keys, rows) if row}
    if group_by is CostDimension.WORKSPACE:
        rows = await info.context.loaders.workspace.load_many(keys)
        return {key: row["workspace_name"] for key, row in zip(keys, rows) if row}
    return {}

