"""`CostInsights.movers`: the jobs and tag values whose spend rose or fell most between two periods of the same
length (docs/metrics.md, "Biggest movers")."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import page_size
from gql_monitor.graphql.types.common import Money, TimeWindow, money
from gql_monitor.insights import movers
from gql_monitor.questions.keys import JobKey

if TYPE_CHECKING:
    from gql_monitor.graphql.types.job import Job

MoverCount = Annotated[int, strawberry.argument(description="How many, 1 to 100.")]


@strawberry.enum(description="The length of the two periods biggest movers compares, both ending at now.")
class MoverPeriod(Enum):
    WEEK = strawberry.enum_value("WEEK", description="The last 7 days up to now against the 7 days before them.")
    MONTH = strawberry.enum_value("MONTH", description="The last 30 days up to now against the 30 days before them.")


# An interface, so that a client selects the change once (a fragment on SpendChange) for the account and its movers.
@strawberry.interface(description="Spend in the current period against the previous one, at list price.")
class SpendChange:
    current: Money = strawberry.field(description="Usage that started in the current period, as billed so far.")
    previous: Money = strawberry.field(description="Usage that started in the previous period.")
    change: Money = strawberry.field(description="`current` − `previous`: negative when spend fell.")
    change_ratio: float | None = strawberry.field(
        description="`change` / `previous` (0.25: up a quarter; −1: stopped); null when `previous` is 0.")

    @classmethod
    def of(cls, move: movers.Move, **more) -> "SpendChange":
        return cls(current=money(move.current, move.currency), previous=money(move.previous, move.currency),
                   change=money(move.change, move.currency), change_ratio=move.ratio, **more)


@strawberry.type(description="The account's spend change, or that of its unattributed usage.")
class AccountSpendChange(SpendChange):
    pass


@strawberry.type(description="A job's or a tag value's spend change.")
class SpendMover(SpendChange):
    job_id: strawberry.ID | None = strawberry.field(
        description="`<workspace id>:<job id>` of a job mover (usage carrying that job id); null for a tag value.")
    tag_value: str | None = strawberry.field(
        description="The tag's value of a tag-value mover; null for a job, and for the usage without the tag in "
                    "`tagValuesUp`/`tagValuesDown`.")

    @strawberry.field(description="The job of a job mover; null for a tag value, or when nothing but its usage "
                                  "records knows the job.")
    async def job(self, info: Info) -> Annotated["Job", strawberry.lazy("gql_monitor.graphql.types.job")] | None:
        from gql_monitor.graphql.types.job import load_job

        return await load_job(info, JobKey(str(self.job_id))) if self.job_id else None


def _listed(ranked: list[tuple], jobs: bool) -> list[SpendMover]:
    return [SpendMover.of(move, job_id=strawberry.ID(key) if jobs else None, tag_value=None if jobs else key)
            for key, move in ranked]


@strawberry.type(description="The biggest movers: spend per job and per value of `costInsights(tagKey:)` in the "
                             "current period against the previous one of the same length, as of now (the "
                             "`costInsights` window does not apply): docs/metrics.md, \"Biggest movers\".")
class SpendMovers:
    period: MoverPeriod = strawberry.field(description="The periods' length.")
    current: TimeWindow = strawberry.field(description="The current period: [now − length, now).")
    previous: TimeWindow = strawberry.field(description="The previous period: the same length just before it.")
    billed_through: datetime | None = strawberry.field(
        description="End of the newest usage record: usage after it is not billed yet, so the current period's "
                    "last hours are missing from `current` amounts until billing catches up."
    )
    complete: bool = strawberry.field(
        description="Billing covers both periods whole: `billedThrough` is at or after the current period's end. "
                    "While false, a job whose latest runs are not billed yet looks lower than it is."
    )
    total: AccountSpendChange = strawberry.field(description="All usage of the account.")
    unattributed: AccountSpendChange = strawberry.field(description="Usage no job can be charged for (no job id).")
    report: strawberry.Private[movers.Movers]

    @strawberry.field(description="The jobs whose spend rose most (`change` > 0), the largest rise first, then by "
                                  "id.")
    def up(self, first: MoverCount = 10) -> list[SpendMover]:
        return _listed(movers.up(self.report.jobs, page_size(first)), jobs=True)

    @strawberry.field(description="The jobs whose spend fell most (`change` < 0), the largest fall first, then by "
                                  "id.")
    def down(self, first: MoverCount = 10) -> list[SpendMover]:
        return _listed(movers.down(self.report.jobs, page_size(first)), jobs=True)

    @strawberry.field(description="The values of `tagKey` whose spend rose most; the usage without the tag is a "
                                  "group of its own (`tagValue` null), ranked like the others. Empty without a tag "
                                  "key.")
    def tag_values_up(self, first: MoverCount = 10) -> list[SpendMover]:
        return _listed(movers.up(self.report.tags, page_size(first)), jobs=False)

    @strawberry.field(description="The values of `tagKey` whose spend fell most, as `tagValuesUp`.")
    def tag_values_down(self, first: MoverCount = 10) -> list[SpendMover]:
        return _listed(movers.down(self.report.tags, page_size(first)), jobs=False)


async def resolve_movers(info: Info, period: MoverPeriod, tag_key: str | None) -> SpendMovers:
    query = movers.question(info.context.now, period.value, tag_key)
    report = movers.movers(await info.context.loaders.insight_questions.load(query), query)
    billed = report.billed_through
    return SpendMovers(
        period=period, current=TimeWindow(start=query.current.start, end=query.current.end),
        previous=TimeWindow(start=query.previous.start, end=query.previous.end), billed_through=billed,
        complete=billed is not None and billed >= query.current.end, total=AccountSpendChange.of(report.total),
        unattributed=AccountSpendChange.of(report.unattributed), report=report)
