"""Root `dataQuality`: what the system tables do not cover in a window (docs/metrics.md, "Data quality")."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.costing import quantize
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import FirstArgument, TimeWindowInput, page_size, resolve_window
from gql_monitor.graphql.types.common import Money, TimeWindow
from gql_monitor.graphql.types.costs_query import split_by_attribution
from gql_monitor.graphql.types.visibility import JobScopeKind, scope_kind
from gql_monitor.questions.costs_by_dimension import CostBreakdownQuery
from gql_monitor.questions.data_quality import DataQualityQuery
from gql_monitor.questions.keys import JobKey, job_key

if TYPE_CHECKING:
    from gql_monitor.graphql.types.job import Job


@strawberry.type(description="A job seen in the window's runs or usage, and what covers it.")
class JobCoverage:
    id: strawberry.ID = strawberry.field(description="`<workspace id>:<job id>`.")
    runs: int = strawberry.field(description="Runs with a timeline slice that started in the window.")
    usage_records: int = strawberry.field(description="Usage records carrying the job id that started in the window.")
    in_jobs_table: bool = strawberry.field(description="Whether system.lakeflow.jobs has a row for the job.")
    task_runs: int = strawberry.field(description="Its task runs with a slice that started in the window.")
    all_purpose_task_runs: int = strawberry.field(
        description="Of those, task runs on all-purpose compute, whose usage carries no job id.")

    @strawberry.field(description="The job; null when only usage records know it (no run in the tables' "
                                  "retention, no row in the jobs table).")
    async def job(self, info: Info) -> Annotated["Job", strawberry.lazy("gql_monitor.graphql.types.job")] | None:
        from gql_monitor.graphql.types.job import load_job

        return await load_job(info, JobKey(str(self.id)))


@strawberry.type(description="Spend in the window and the part no job can be charged for (usage without a job id).")
class SpendCoverage:
    total: Money = strawberry.field(description="All spend in the window, at list price (as `costs`).")
    unattributed_to_jobs: Money = strawberry.field(
        description="Spend on usage without a job id (all-purpose compute, DLT, SQL warehouses, ...): "
                    "`costs(groupBy: JOB).unattributedToJobs`.")
    unattributed_share: float | None = strawberry.field(
        description="unattributedToJobs / total, from the exact amounts; null when the total is 0.")
    billed_through: datetime | None = strawberry.field(
        description="End of the newest usage record; spend after it is not in these figures yet.")


@strawberry.type(description="What the system tables do not cover in a window: jobs missing from the jobs table, "
                             "jobs whose runs carry no usage, and spend no job can be charged for.")
class DataQuality:
    window: TimeWindow = strawberry.field(description="Runs and usage that started in it are counted.")
    jobs_seen: int = strawberry.field(description="Jobs with a run or a usage record in the window.")
    jobs_not_in_jobs_table_count: int = strawberry.field(
        description="Jobs seen in the window with no row in system.lakeflow.jobs (aged out of its 365-day "
                    "retention, or never listed).")
    missing_jobs: strawberry.Private[list]
    jobs_without_usage_count: int = strawberry.field(
        description="Jobs with runs in the window but no usage record carrying their job id in it.")
    unbilled_jobs: strawberry.Private[list]
    spend: SpendCoverage = strawberry.field(description="The share of spend no job can be charged for.")

    @strawberry.field(description="What these figures cover: every job and the unattributed remainder "
                                  "(ALL_JOBS), or only the jobs you may see (VISIBLE_JOBS), where spend of other jobs "
                                  "and of no job is left out.")
    def scope(self, info: Info) -> JobScopeKind:
        return scope_kind(info)

    @strawberry.field(description="The jobs of `jobsNotInJobsTableCount`, the most runs first.")
    def jobs_not_in_jobs_table(self, first: FirstArgument) -> list[JobCoverage]:
        return _listed(self.missing_jobs, first)

    @strawberry.field(description="The jobs of `jobsWithoutUsageCount`, the most runs first; `allPurposeTaskRuns` "
                                  "tells the ones on all-purpose compute.")
    def jobs_without_usage(self, first: FirstArgument) -> list[JobCoverage]:
        return _listed(self.unbilled_jobs, first)


def _coverage(row: dict) -> JobCoverage:
    return JobCoverage(id=strawberry.ID(job_key(row)), runs=row["runs"], usage_records=row["usage_records"],
                       in_jobs_table=row["in_jobs_table"], task_runs=row["task_runs"],
                       all_purpose_task_runs=row["all_purpose_task_runs"])


def _listed(jobs: list[JobCoverage], first: int) -> list[JobCoverage]:
    return sorted(jobs, key=lambda job: (-job.runs, -job.usage_records, str(job.id)))[:page_size(first)]


async def resolve_data_quality(info: Info, window: TimeWindowInput | None) -> DataQuality:
    span = resolve_window(window, info.context.now)
    loaders = info.context.loaders
    # The JOB grouping of `costs` over the same window: the same statement, shared when both are asked.
    rows = await loaders.data_quality.load(DataQualityQuery(span))
    total, _, unattributed, billed = split_by_attribution(
        await loaders.cost_breakdown.load(CostBreakdownQuery(dimension="JOB", window=span)))
    jobs = [_coverage(row) for row in rows if row["row_kind"] == "job"]
    missing = [job for job in jobs if not job.in_jobs_table]
    unbilled = [job for job in jobs if job.runs > 0 and job.usage_records == 0]
    return DataQuality(
        window=TimeWindow(start=span.start, end=span.end),
        jobs_seen=next((row["runs"] for row in rows if row["row_kind"] == "seen"), 0),
        jobs_not_in_jobs_table_count=len(missing), missing_jobs=missing,
        jobs_without_usage_count=len(unbilled), unbilled_jobs=unbilled,
        spend=SpendCoverage(
            total=Money(amount=quantize(total.amount), currency=total.currency),
            unattributed_to_jobs=Money(amount=quantize(unattributed.amount), currency=total.currency),
            unattributed_share=float(unattributed.amount / total.amount) if total.amount else None,
            billed_through=billed,
        ),
    )
