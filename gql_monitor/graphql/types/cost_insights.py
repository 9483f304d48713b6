"""Root `costInsights` and `Job.costAnomalies`: where the money goes wrong (anomalies, failure spend, compute no job
can be charged for). Each section is resolved on its own, so a query pays only for the sections it selects."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.errors import BadUserInput
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import TimeWindowInput, page_size, resolve_window, text
from gql_monitor.graphql.types.common import Money, TimeWindow, money
from gql_monitor.graphql.types.visibility import JobScopeKind, scope_kind
from gql_monitor.graphql.types.spend_attribution import UnattributedSpend, UntaggedSpend, resolve_unattributed, \
    resolve_untagged
from gql_monitor.graphql.types.spend_movers import MoverPeriod, SpendMovers, resolve_movers
from gql_monitor.insights import all_purpose, cost_anomalies, failure_spend, forecast, spend_spikes
from gql_monitor.loaders.cost_insights import JobAnomaliesKey
from gql_monitor.questions.all_purpose_jobs import AllPurposeJobsQuery
from gql_monitor.questions.failure_spend import FailureSpendQuery
from gql_monitor.questions.keys import JobKey, RunKey
from gql_monitor.questions.windows import Window

if TYPE_CHECKING:
    from gql_monitor.graphql.types.job import Job
    from gql_monitor.graphql.types.run import Run

JobRef = Annotated["Job", strawberry.lazy("gql_monitor.graphql.types.job")]
RunRef = Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")]


async def _job(info: Info, key: JobKey):
    from gql_monitor.graphql.types.job import load_job

    return await load_job(info, key)


@strawberry.type(description="A finished run that cost more than `factor` times the p90 of its job's other finished "
                             "runs (docs/metrics.md, \"Cost anomalies\").")
class CostAnomaly:
    run_cost: Money = strawberry.field(description="The run's cost (Run.cost: usage carrying its run id).")
    baseline_p90_cost: Money = strawberry.field(
        description="The p90 (continuous) of the costs of the job's other finished runs in the baseline: the runs "
        "that started from `GQL_MONITOR_COST_ANOMALY_BASELINE_DAYS` before the window to its end."
    )
    ratio: float = strawberry.field(description="`runCost` / `baselineP90Cost`; above `factor`.")
    factor: float = strawberry.field(description="The threshold (`GQL_MONITOR_COST_ANOMALY_FACTOR`).")
    baseline_runs: int = strawberry.field(description="How many other finished runs the baseline holds.")
    start_time: datetime = strawberry.field(description="When the run started.")
    job_key: strawberry.Private[JobKey]
    run_key: strawberry.Private[RunKey]

    @classmethod
    def of(cls, anomaly: cost_anomalies.CostAnomaly) -> "CostAnomaly":
        return cls(run_cost=money(anomaly.cost, anomaly.currency),
                   baseline_p90_cost=money(anomaly.baseline_p90, anomaly.currency), ratio=anomaly.ratio,
                   factor=anomaly.factor, baseline_runs=anomaly.baseline_runs, start_time=anomaly.started_at,
                   job_key=anomaly.job, run_key=anomaly.run)

    @strawberry.field(description="The job the run belongs to.")
    async def job(self, info: Info) -> JobRef | None:
        return await _job(info, self.job_key)

    @strawberry.field(description="The run.")
    async def run(self, info: Info) -> RunRef | None:
        from gql_monitor.graphql.types.run import Run

        row = await info.context.loaders.run.load(self.run_key)
        return Run.from_row(row) if row else None


@strawberry.type(description="Spend on failure of the account or a job. A usage record may count in several "
                             "figures (a retry that failed, a failed run's repair); `total` counts it once.")
class FailureSpendFigures:
    failed_runs: Money = strawberry.field(
        description="Cost of runs whose outcome is FAILED, ERROR or TIMED_OUT (all their attempts)."
    )
    retries: Money = strawberry.field(
        description="Cost of retry runs (trigger ONETIME_RETRY: new runs the job's retry policy started after a "
        "failure), whatever their outcome."
    )
    repairs: Money = strawberry.field(
        description="Cost of repair attempts (attempt 2 on; RunAttempt.cost's split), whatever the run's outcome."
    )
    repairs_unsplit: Money = strawberry.field(
        description="Spend of repaired runs in hours that a repair and the attempt before it both ran in: it is "
        "one of theirs, the usage record does not say which; not in `repairs`."
    )
    total: Money = strawberry.field(description="All of the above, each usage record once.")
    failed_run_count: int = strawberry.field(description="Runs that started in the window and failed.")
    retry_run_count: int = strawberry.field(description="Retry runs that started in the window.")
    repaired_run_count: int = strawberry.field(description="Runs that started in the window and were repaired.")

    @classmethod
    def of(cls, figures: failure_spend.FailureSpend) -> "FailureSpendFigures":
        return cls(failed_runs=money(figures.failed_runs.amount), retries=money(figures.retries.amount),
                   repairs=money(figures.repairs.amount), repairs_unsplit=money(figures.repairs_unsplit.amount),
                   total=money(figures.total.amount), failed_run_count=figures.failed_run_count,
                   retry_run_count=figures.retry_run_count, repaired_run_count=figures.repaired_run_count)


@strawberry.type(description="A job's spend on failure.")
class JobFailureSpend:
    spend: FailureSpendFigures = strawberry.field(description="The job's figures.")
    job_key: strawberry.Private[JobKey]

    @strawberry.field(description="The job.")
    async def job(self, info: Info) -> JobRef | None:
        return await _job(info, self.job_key)


@strawberry.type(description="What failures cost over the runs that started in the window, each run's whole cost "
                             "(as Run.cost reads it).")
class FailureSpend:
    account: FailureSpendFigures = strawberry.field(description="Every job's figures together.")
    billed_through: datetime | None = strawberry.field(
        description="End of the newest usage record: runs' usage after it is not in these figures yet."
    )
    report: strawberry.Private[failure_spend.FailureSpendReport]

    @strawberry.field(description="The jobs whose failures cost most (`spend.total`), then by id.")
    def top_jobs(
        self, first: Annotated[int, strawberry.argument(description="How many jobs, 1 to 100.")] = 10,
    ) -> list[JobFailureSpend]:
        return [JobFailureSpend(spend=FailureSpendFigures.of(f), job_key=job)
                for job, f in self.report.top_jobs(page_size(first))]


@strawberry.type(description="A job with task runs on all-purpose compute in the window: that usage is billed per "
                             "cluster with no job id, so the job's `cost` cannot include it (its "
                             "`notAttributableReason` is ALL_PURPOSE_COMPUTE).")
class AllPurposeComputeJob:
    task_runs: int = strawberry.field(description="The job's task runs with a timeline slice in the window.")
    all_purpose_task_runs: int = strawberry.field(description="How many of them used an all-purpose cluster.")
    last_all_purpose_end: datetime | None = strawberry.field(
        description="When the latest of those ended; null while it runs."
    )
    job_key: strawberry.Private[JobKey]

    @strawberry.field(description="The job.")
    async def job(self, info: Info) -> JobRef | None:
        return await _job(info, self.job_key)


@strawberry.type(description="A UTC day whose spend (the account's, or a job's) was more than `factor` times the median "
                             "of its baseline days and at least `GQL_MONITOR_SPEND_SPIKE_MIN_USD` above it "
                             "(docs/metrics.md, \"Daily spend spikes\").")
class SpendSpike:
    day: date = strawberry.field(description="The UTC usage day.")
    spend: Money = strawberry.field(description="That day's spend.")
    baseline_median: Money = strawberry.field(
        description="The median spend of the baseline: the days with spend among the "
        "`GQL_MONITOR_SPEND_SPIKE_BASELINE_DAYS` days before it."
    )
    ratio: float = strawberry.field(description="`spend` / `baselineMedian`; above `factor`.")
    factor: float = strawberry.field(description="The threshold (`GQL_MONITOR_SPEND_SPIKE_FACTOR`).")
    baseline_days: int = strawberry.field(description="How many baseline days had spend.")
    job_key: strawberry.Private[JobKey | None]

    @strawberry.field(description="The job whose spend spiked; null when it is the whole account's.")
    async def job(self, info: Info) -> JobRef | None:
        return await _job(info, self.job_key) if self.job_key else None


@strawberry.enum(description="How the month-end forecast projects spend.")
class ForecastMethod(Enum):
    TRAILING_DAILY_AVERAGE = strawberry.enum_value(
        "TRAILING_DAILY_AVERAGE",
        description="Spend so far this month plus the average daily spend of the latest `trailingDays` fully billed "
        "UTC days times `remainingDays`; the range uses the cheapest and the dearest of those days instead.",
    )


# An interface, so that a client selects the figures once (a fragment on SpendProjection) for the account, its jobs
# and its tag values alike.
@strawberry.interface(description="One subject's month-end projection, at list price.")
class SpendProjection:
    spent_so_far: Money = strawberry.field(description="Usage that started this month, as billed so far.")
    daily_rate: Money = strawberry.field(description="The average spend of the trailing days (days without spend "
                                                     "count as 0).")
    projected: Money = strawberry.field(description="`spentSoFar` + `dailyRate` × `remainingDays`.")
    low: Money = strawberry.field(description="`spentSoFar` + the cheapest trailing day × `remainingDays`.")
    high: Money = strawberry.field(description="`spentSoFar` + the dearest trailing day × `remainingDays`.")

    @classmethod
    def of(cls, p: forecast.Projection, **more) -> "SpendProjection":
        return cls(spent_so_far=money(p.spent_so_far, p.currency), daily_rate=money(p.daily_rate, p.currency),
                   projected=money(p.projected, p.currency), low=money(p.low, p.currency),
                   high=money(p.high, p.currency), **more)


@strawberry.type(description="A month-end projection of the whole account or of its unattributed usage.")
class AccountSpendForecast(SpendProjection):
    pass


@strawberry.type(description="A job's month-end projection (usage carrying its job id).")
class JobSpendForecast(SpendProjection):
    job_key: strawberry.Private[JobKey]

    @strawberry.field(description="The job.")
    async def job(self, info: Info) -> JobRef | None:
        return await _job(info, self.job_key)


@strawberry.type(description="The month-end projection of the usage with one value of the tag key (e.g. a team).")
class TagSpendForecast(SpendProjection):
    value: str | None = strawberry.field(description="The tag's value; null for usage without the tag, always "
                                                     "listed when there is any.")


@strawberry.type(description="Spend this UTC calendar month and where it is heading, as of now (the window does not "
                             "apply): docs/metrics.md, \"Month-end forecast\".")
class MonthEndForecast:
    month_start: datetime = strawberry.field(description="The first instant of the month (UTC).")
    month_end: datetime = strawberry.field(description="The first instant of the next month (UTC).")
    as_of: datetime = strawberry.field(description="The monitor's now the forecast is made at.")
    method: ForecastMethod = strawberry.field(description="How the projection is made.")
    trailing_days: int = strawberry.field(description="How many days the daily rate averages "
                                                      "(`GQL_MONITOR_FORECAST_TRAILING_DAYS`).")
    trailing_from: date = strawberry.field(description="The first trailing day (UTC).")
    trailing_to: date = strawberry.field(description="The last trailing day: the day before `billedThrough`'s.")
    billed_through: datetime | None = strawberry.field(
        description="End of the newest usage record: spend after it is not billed yet, and is projected."
    )
    unbilled_days: float = strawberry.field(description="Days from `billedThrough` to `asOf`: what billing lag leaves "
                                                        "out of `spentSoFar` and the projection fills in.")
    remaining_days: float = strawberry.field(description="Days from `billedThrough` (or the month's start) to the "
                                                         "month's end: what the daily rate is multiplied by.")
    total: AccountSpendForecast = strawberry.field(description="All usage of the account.")
    unattributed: AccountSpendForecast = strawberry.field(description="Usage no job can be charged for.")
    report: strawberry.Private[forecast.Forecast]

    @strawberry.field(description="The jobs with the largest projections, then by id.")
    def jobs(self, first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 10,
             ) -> list[JobSpendForecast]:
        return [JobSpendForecast.of(p, job_key=JobKey(key)) for key, p in forecast.ranked(self.report.jobs, page_size(first))]

    @strawberry.field(description="Per value of `costInsights(tagKey:)`, the largest projections first, the usage "
                                  "without the tag last; empty without a tag key.")
    def tag_values(self, first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 10,
                   ) -> list[TagSpendForecast]:
        return [TagSpendForecast.of(p, value=value) for value, p in forecast.ranked(self.report.tags, page_size(first))]


@strawberry.type(description="Cost intelligence over a window: what stands out in the account's spend. Every amount "
                             "is at list price in exact decimals, reported to 1e-6 (docs/metrics.md).")
class CostInsights:
    window: TimeWindow = strawberry.field(description="The window the insights cover.")
    tag_key: str | None = strawberry.field(description="The tag key per-tag sections group by; null when not given.")
    span: strawberry.Private[Window]

    @strawberry.field(description="What these figures cover: every job and the unattributed remainder "
                                  "(ALL_JOBS), or only the jobs you may see (VISIBLE_JOBS), where spend of other jobs "
                                  "and of no job is left out.")
    def scope(self, info: Info) -> JobScopeKind:
        return scope_kind(info)

    @strawberry.field(description="Run cost anomalies among the runs that started in the window, the highest ratio "
                                  "first (at most `first`).")
    async def anomalies(
        self, info: Info,
        first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 10,
    ) -> list[CostAnomaly]:
        limit = page_size(first)
        ctx = info.context
        rows = await ctx.loaders.insight_questions.load(cost_anomalies.question(self.span, ctx.now, ctx.thresholds))
        return [CostAnomaly.of(a) for a in cost_anomalies.judge(rows, ctx.thresholds.cost_anomaly_factor)[:limit]]

    @strawberry.field(description="Spend on failed runs, retries and repairs over the runs that started in the "
                                  "window.")
    async def failure_spend(self, info: Info) -> FailureSpend:
        report = failure_spend.summarize(
            await info.context.loaders.insight_questions.load(FailureSpendQuery(self.span, info.context.now)))
        return FailureSpend(account=FailureSpendFigures.of(report.account), billed_through=report.billed_through,
                            report=report)

    @strawberry.field(description="Jobs with task runs on all-purpose compute in the window, the most such task runs "
                                  "first (at most `first`): their spend is in the unattributed remainder.")
    async def all_purpose_compute_jobs(
        self, info: Info,
        first: Annotated[int, strawberry.argument(description="How many jobs, 1 to 100.")] = 20,
    ) -> list[AllPurposeComputeJob]:
        limit = page_size(first)
        rows = await info.context.loaders.insight_questions.load(AllPurposeJobsQuery(self.span))
        return [AllPurposeComputeJob(task_runs=j.task_runs, all_purpose_task_runs=j.all_purpose_task_runs,
                                     last_all_purpose_end=j.last_all_purpose_end, job_key=j.job)
                for j in all_purpose.from_rows(rows)[:limit]]

    @strawberry.field(description="Daily spend spikes of the account and of each job on the window's fully billed "
                                  "days: newest day first, the account before its jobs (at most `first`).")
    async def spend_spikes(
        self, info: Info,
        first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 10,
    ) -> list[SpendSpike]:
        limit = page_size(first)
        query = spend_spikes.question(self.span, info.context.thresholds)
        found = spend_spikes.judge(await info.context.loaders.insight_questions.load(query), query.rule)
        return [SpendSpike(day=s.day, spend=money(s.amount, s.currency),
                           baseline_median=money(s.baseline_median, s.currency), ratio=s.ratio, factor=s.factor,
                           baseline_days=s.baseline_days, job_key=s.job) for s in found[:limit]]

    @strawberry.field(description="The month-end forecast in total, for unattributed usage, per job and per value of "
                                  "`tagKey`, as of now.")
    async def forecast(self, info: Info) -> MonthEndForecast:
        ctx = info.context
        days = ctx.thresholds.forecast_trailing_days
        rows = await ctx.loaders.insight_questions.load(forecast.question(ctx.now, days, self.tag_key))
        f = forecast.forecast(rows, ctx.now, days)
        return MonthEndForecast(
            month_start=f.month.start, month_end=f.month.end, as_of=f.now,
            method=ForecastMethod.TRAILING_DAILY_AVERAGE, trailing_days=days, trailing_from=f.trailing[0],
            trailing_to=f.trailing[-1], billed_through=f.billed_through, unbilled_days=float(f.unbilled_days),
            remaining_days=float(f.remaining_days), total=AccountSpendForecast.of(f.total),
            unattributed=AccountSpendForecast.of(f.unattributed), report=f)

    @strawberry.field(description="The biggest movers week over week or month over month, per job and per value of "
                                  "`tagKey`, as of now.")
    async def movers(
        self, info: Info,
        period: Annotated[MoverPeriod, strawberry.argument(description="The periods' length.")] = MoverPeriod.WEEK,
    ) -> SpendMovers:
        return await resolve_movers(info, period, self.tag_key)

    @strawberry.field(description="Job spend in the window whose usage carries no tag, or no value for `tagKey`.")
    async def untagged_spend(self, info: Info) -> UntaggedSpend:
        return await resolve_untagged(info, self.span, self.tag_key)

    @strawberry.field(description="The share of spend in the window that no job can be charged for, and its trend "
                                  "per UTC day.")
    async def unattributed_spend(self, info: Info) -> UnattributedSpend:
        return await resolve_unattributed(info, self.span)


def resolve_cost_insights(info: Info, window: TimeWindowInput | None, tag_key: str | None) -> CostInsights:
    span = resolve_window(window, info.context.now)
    if tag_key is not None and not tag_key.strip():
        raise BadUserInput("`tagKey` must not be empty.")
    tag_key = text(tag_key, "tagKey")
    return CostInsights(window=TimeWindow(start=span.start, end=span.end), tag_key=tag_key, span=span)


async def resolve_job_cost_anomalies(info: Info, job: JobKey, window: TimeWindowInput | None) -> list[CostAnomaly]:
    span = resolve_window(window, info.context.now)
    ctx = info.context
    rows = await ctx.loaders.job_cost_anomalies.load(
        JobAnomaliesKey(job, cost_anomalies.question(span, ctx.now, ctx.thresholds)))
    return [CostAnomaly.of(a) for a in cost_anomalies.judge(rows, ctx.thresholds.cost_anomaly_factor)]
