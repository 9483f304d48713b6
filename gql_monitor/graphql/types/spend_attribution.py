"""`CostInsights.untaggedSpend` and `CostInsights.unattributedSpend`: the job spend no tag can be charged to, and the
spend no job can be charged to, over the window (docs/metrics.md, "Untagged spend", "Unattributed share")."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.costing import ZERO, share
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import page_size
from gql_monitor.graphql.types.common import Money, money
from gql_monitor.insights import unattributed as unattributed_rule, untagged as untagged_rule
from gql_monitor.questions.costs_by_dimension import CostBreakdownQuery
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.untagged_spend import UntaggedSpendQuery
from gql_monitor.questions.windows import Window

if TYPE_CHECKING:
    from gql_monitor.graphql.types.job import Job


@strawberry.type(description="A job's spend in the window and the part of it whose usage carries no tag (or no "
                             "value for the tag key).")
class UntaggedJob:
    job_id: strawberry.ID = strawberry.field(description="`<workspace id>:<job id>`.")
    spend: Money = strawberry.field(description="The job's usage without tags (`jobs`) or without the tag key "
                                                "(`jobsWithoutTagKey`).")
    job_spend: Money = strawberry.field(description="All usage carrying the job's id in the window (Job.cost).")
    share: float = strawberry.field(description="`spend` / `jobSpend`.")

    @strawberry.field(description="The job; null when nothing but its usage records knows it.")
    async def job(self, info: Info) -> Annotated["Job", strawberry.lazy("gql_monitor.graphql.types.job")] | None:
        from gql_monitor.graphql.types.job import load_job

        return await load_job(info, JobKey(str(self.job_id)))


def _jobs(report: untagged_rule.UntaggedSpend, part: str, first: int) -> list[UntaggedJob]:
    listed = []
    for key, job in untagged_rule.top(report.jobs, part, page_size(first)):
        spend = getattr(job, part)
        listed.append(UntaggedJob(job_id=strawberry.ID(key), spend=money(spend.amount, spend.currency),
                                  job_spend=money(job.spend.amount, job.spend.currency),
                                  share=float(spend.amount / job.spend.amount)))
    return listed


@strawberry.type(description="Job spend (usage carrying a job id) in the window whose usage records carry no custom "
                             "tag, or no value for `costInsights(tagKey:)`: spend no team can be charged for. The "
                             "tags are the usage records' own, those in force when the usage ran.")
class UntaggedSpend:
    job_spend: Money = strawberry.field(description="All job spend in the window.")
    untagged: Money = strawberry.field(description="Job spend whose usage records carry no custom tag at all.")
    untagged_share: float | None = strawberry.field(description="`untagged` / `jobSpend`; null when `jobSpend` is 0.")
    tag_key: str | None = strawberry.field(description="`costInsights(tagKey:)`; null when not given.")
    without_tag_key: Money | None = strawberry.field(
        description="Job spend whose usage records have no value for `tagKey` (untagged usage included); null "
                    "without a tag key.")
    without_tag_key_share: float | None = strawberry.field(
        description="`withoutTagKey` / `jobSpend`; null without a tag key or when `jobSpend` is 0.")
    billed_through: datetime | None = strawberry.field(
        description="End of the newest usage record: usage after it is not in these figures yet.")
    complete: bool = strawberry.field(description="`billedThrough` is at or after the window's end.")
    report: strawberry.Private[untagged_rule.UntaggedSpend]

    @strawberry.field(description="The jobs with the most spend without any tag, then by id.")
    def jobs(self, first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 10,
             ) -> list[UntaggedJob]:
        return _jobs(self.report, "untagged", first)

    @strawberry.field(description="The jobs with the most spend without a value for `tagKey`, then by id; empty "
                                  "without a tag key.")
    def jobs_without_tag_key(self, first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 10,
                             ) -> list[UntaggedJob]:
        return _jobs(self.report, "without_key", first) if self.tag_key is not None else []


async def resolve_untagged(info: Info, window: Window, tag_key: str | None) -> UntaggedSpend:
    report = untagged_rule.summarize(await info.context.loaders.insight_questions.load(UntaggedSpendQuery(window, tag_key)))
    total = report.jobs_total
    keyed = tag_key is not None
    return UntaggedSpend(
        job_spend=money(total.spend.amount, total.spend.currency),
        untagged=money(total.untagged.amount, total.spend.currency),
        untagged_share=share(total.untagged.amount, total.spend.amount), tag_key=tag_key,
        without_tag_key=money(total.without_key.amount, total.spend.currency) if keyed else None,
        without_tag_key_share=share(total.without_key.amount, total.spend.amount) if keyed else None,
        billed_through=report.billed_through,
        complete=report.billed_through is not None and report.billed_through >= window.end, report=report)


@strawberry.type(description="One UTC day's share of spend no job can be charged for (the window's part of the day).")
class UnattributedDay:
    day: date = strawberry.field(description="The UTC usage day.")
    total: Money = strawberry.field(description="All spend of the day.")
    unattributed: Money = strawberry.field(description="Spend of the day on usage without a job id.")
    share: float | None = strawberry.field(description="`unattributed` / `total`; null when the day has no spend "
                                                        "(not billed yet, or before usage began).")


@strawberry.type(description="Spend no job can be charged for (usage without a job id: all-purpose compute, DLT, SQL "
                             "warehouses, ...) over the window and per UTC day. The same figures as "
                             "`costs(groupBy: JOB)` and `dataQuality.spend` for the window.")
class UnattributedSpend:
    total: Money = strawberry.field(description="All spend in the window (`costs(groupBy: JOB).total`).")
    unattributed: Money = strawberry.field(description="`costs(groupBy: JOB).unattributedToJobs`.")
    share: float | None = strawberry.field(description="`unattributed` / `total`; null when `total` is 0.")
    billed_through: datetime | None = strawberry.field(
        description="End of the newest usage record: usage after it is not in these figures yet.")
    complete: bool = strawberry.field(description="`billedThrough` is at or after the window's end.")
    days: list[UnattributedDay] = strawberry.field(description="Every UTC day the window touches, oldest first.")


async def resolve_unattributed(info: Info, window: Window) -> UnattributedSpend:
    # The JOB grouping of `costs` over the same window: the same statement, shared when both are asked.
    rows = await info.context.loaders.cost_breakdown.load(CostBreakdownQuery(dimension="JOB", window=window))
    report = unattributed_rule.summarize(rows, window)
    total, part, currency = report.total, report.unattributed, report.total.currency
    days = [UnattributedDay(day=day, total=money(total.daily.get(day, ZERO), currency),
                            unattributed=money(part.daily.get(day, ZERO), currency),
                            share=share(part.daily.get(day, ZERO), total.daily.get(day, ZERO)))
            for day in report.days]
    return UnattributedSpend(total=money(total.amount, currency), unattributed=money(part.amount, currency),
                             share=share(part.amount, total.amount), billed_through=report.billed_through,
                             complete=report.billed_through is not None and report.billed_through >= window.end,
                             days=days)
