"""Small shared types: money, windows, tags, cost summaries and connections."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Generic, TypeVar

import strawberry

from gql_monitor.costing import CostSummary, quantize
from gql_monitor.questions.windows import Window, run_usage_span

T = TypeVar("T")

# The result states, in the system tables' vocabulary, that count as a failure.
FAILED_STATES = frozenset({"FAILED", "ERROR", "TIMED_OUT"})


@strawberry.type(description="An amount of money at list price.")
class Money:
    amount: Decimal = strawberry.field(description="Exact amount, reported to a millionth of the currency unit.")
    currency: str = strawberry.field(description="ISO currency code, e.g. USD.")


def money(amount: Decimal, currency: str = "USD") -> Money:
    """An exact amount as reported: to a millionth of the currency unit."""
    return Money(amount=quantize(amount), currency=currency)


@strawberry.type(description="The time window a figure covers: [start, end).")
class TimeWindow:
    start: datetime = strawberry.field(description="Inclusive start, UTC.")
    end: datetime = strawberry.field(description="Exclusive end, UTC.")


@strawberry.type(description="A key/value tag.")
class Tag:
    key: str = strawberry.field(description="The tag's key.")
    value: str | None = strawberry.field(description="The tag's value; null when the tag has no value.")


def from_epoch_ms(value) -> datetime | None:
    """A Jobs API time (epoch milliseconds; 0 or absent while unknown) as a UTC datetime."""
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc) if value else None


def tags_from_map(value) -> list[Tag]:
    if not value:
        return []
    pairs = value.items() if isinstance(value, dict) else value
    return sorted((Tag(key=k, value=v) for k, v in pairs), key=lambda tag: tag.key)


@strawberry.enum(description="How a cost was attributed to its subject (see docs/metrics.md).")
class CostAttribution(Enum):
    JOB_USAGE = strawberry.enum_value("JOB_USAGE", description="Job.cost: usage records carrying the job's id.")
    JOB_RUN_USAGE = strawberry.enum_value(
        "JOB_RUN_USAGE", description="Run.cost: usage records carrying the run's id (usage_metadata.job_run_id)."
    )
    EXCLUSIVE_CLUSTER = strawberry.enum_value(
        "EXCLUSIVE_CLUSTER", description="TaskRun.cost: the run's usage on a cluster no other task run of it used."
    )
    NOT_ATTRIBUTABLE = strawberry.enum_value(
        "NOT_ATTRIBUTABLE",
        description="Every task run of the subject in the window ran on compute whose usage names no job "
        "(`notAttributableReason` says which): `listCost` is not what it cost; its spend is in the account's "
        "unattributed remainder (`costs.unattributedToJobs`).",
    )
    GROUPED_USAGE = strawberry.enum_value(
        "GROUPED_USAGE", description="A group of `costs`: usage records by the grouping's dimension."
    )


@strawberry.enum(description="Why spend cannot be tied to a job, run or task run.")
class CostNotAttributableReason(Enum):
    ALL_PURPOSE_COMPUTE = strawberry.enum_value(
        "ALL_PURPOSE_COMPUTE",
        description="It ran on an all-purpose cluster (cluster_source UI or API); usage on such clusters is billed "
        "per cluster, with no job or run id.",
    )


@strawberry.type(description="Spend on one SKU.")
class SkuCost:
    sku_name: str = strawberry.field(description="The SKU, as `sku_name` in system.billing.usage.")
    usage_unit: str = strawberry.field(description="Unit `quantity` is measured in, e.g. DBU.")
    quantity: Decimal = strawberry.field(description="Usage quantity in `usageUnit` (all record types summed).")
    list_cost: Money = strawberry.field(
        description="Priced usage of this SKU at list price; usage with no price in force adds nothing."
    )


@strawberry.type(description="Spend on one day (UTC).")
class DailyCost:
    date: date = strawberry.field(description="The usage date (UTC), as `usage_date` in system.billing.usage.")
    dbus: Decimal = strawberry.field(description="DBUs consumed that day (usage in other units not included).")
    list_cost: Money = strawberry.field(description="Spend that day at list price, all SKUs and units.")


@strawberry.type(description="Spend of a job, run, task run or group in a window, at the list price in force when "
                             "each usage record started; corrections (RETRACTION/RESTATEMENT) included.")
class Cost:
    window: TimeWindow = strawberry.field(
        description="Usage that started in this window is counted. For a job or group: the requested window; for a "
        "run or task run: from the hour the run started to an hour from now."
    )
    dbus: Decimal = strawberry.field(description="DBUs consumed (usage in other units is in `bySku`).")
    list_cost: Money = strawberry.field(
        description="Usage quantity times the unit list price in force when each record started, summed over all "
        "SKUs and units; excludes `unpricedQuantity`."
    )
    unpriced_quantity: Decimal = strawberry.field(
        description="Usage with no list price in force; not included in `listCost`, shown so nothing is hidden."
    )
    attribution: CostAttribution = strawberry.field(
        description="How the usage was tied to the subject; NOT_ATTRIBUTABLE when none of it can be."
    )
    not_attributable_reason: CostNotAttributableReason | None = strawberry.field(
        description="Why some or all of the subject's spend cannot be tied to it (with attribution NOT_ATTRIBUTABLE: "
        "all of it; otherwise: the part of its task runs this names); null when all of it can."
    )
    billed_through: datetime | None = strawberry.field(
        description="End of the newest usage record in system.billing.usage (its latest billed hour, account-wide); "
        "usage after it is not billed yet. Null when nothing is billed from the window's start on."
    )
    complete: bool = strawberry.field(
        description="Billing has caught up with the subject: `billedThrough` is at or after the end of everything "
        "it ran in the window (job: its latest task run there, or the window's end while one is open; run and task "
        "run: their end, never while in progress; group: the window's end). A subject that ran nothing is "
        "complete. Says nothing about attribution."
    )
    # Where `bySku` and `daily` come from: built only when selected (a costs page of thousands of groups, or a
    # dashboard's hundreds of runs, asks for neither, and building them was half of such a resolver's time).
    summary: strawberry.Private[CostSummary]

    @strawberry.field(description="Spend per SKU, most expensive first (then by name).")
    def by_sku(self) -> list[SkuCost]:
        currency = self.summary.currency
        return [SkuCost(sku_name=s.sku_name, usage_unit=s.usage_unit, quantity=s.quantity,
                        list_cost=Money(amount=quantize(s.amount), currency=currency))
                for s in sorted(self.summary.by_sku.values(), key=lambda s: (-s.amount, s.sku_name))]

    @strawberry.field(
        description="Spend per UTC usage day, oldest first; days with neither priced nor DBU usage are left out."
    )
    def daily(self) -> list[DailyCost]:
        summary, currency = self.summary, self.summary.currency
        return [DailyCost(date=day, dbus=summary.daily_dbus.get(day, Decimal(0)),
                          list_cost=Money(amount=quantize(summary.daily[day]), currency=currency))
                for day in sorted(set(summary.daily) | set(summary.daily_dbus))]


# The billing horizon of a subject still running: billing never covers it.
OPEN = datetime.max.replace(tzinfo=timezone.utc)


def run_cost(summary: CostSummary, attribution: CostAttribution, run_part_start: datetime,
             run_part_end: datetime | None, now: datetime) -> Cost:
    """Spend of a run, an attempt or a task run, over the span its run's usage is read in; whole once billing reaches
    its end (or, while it runs, never)."""
    return cost_from_summary(summary, run_usage_span(run_part_start, now), attribution, run_part_end or OPEN)


def cost_from_summary(
    summary: CostSummary, window: Window, attribution: CostAttribution, horizon: datetime | None
) -> Cost:
    """`horizon`: where billing must reach for the figure to be whole (None: nothing ran; OPEN: still running)."""
    billed = summary.billed_through
    all_purpose = summary.all_purpose_task_runs > 0
    if all_purpose and summary.all_purpose_task_runs == summary.task_runs:
        attribution = CostAttribution.NOT_ATTRIBUTABLE
    return Cost(
        window=TimeWindow(start=window.start, end=window.end),
        dbus=summary.dbus,
        list_cost=Money(amount=quantize(summary.amount), currency=summary.currency),
        unpriced_quantity=summary.unpriced_quantity,
        attribution=attribution,
        not_attributable_reason=CostNotAttributableReason.ALL_PURPOSE_COMPUTE if all_purpose else None,
        billed_through=billed,
        complete=horizon is None or (billed is not None and billed >= horizon),
        summary=summary,
    )


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="Opaque cursor to pass as `after` to get the items after this page; null when the page is "
        "empty (for `activeRuns`: when there is no next page)."
    )


@strawberry.type(description="An edge of a connection.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque cursor of this item; pass it as `after` to get the items after "
                                               "it.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, with keyset cursors that stay valid as new data arrives.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with their cursors, in list order.")
    page_info: PageInfo = strawberry.field(description="Whether there is a next page, and the cursor to get it.")
    total_count: int = strawberry.field(description="How many items pass the filters, over all pages.")

    @strawberry.field(description="The nodes of `edges`, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def connection(nodes_and_cursors: list[tuple[object, str]], limit: int, total: int) -> Connection:
    page = nodes_and_cursors[:limit]
    return Connection(
        edges=[Edge(cursor=cursor, node=node) for node, cursor in page],
        page_info=PageInfo(has_next_page=len(nodes_and_cursors) > limit, end_cursor=page[-1][1] if page else None),
        total_count=total,
    )
