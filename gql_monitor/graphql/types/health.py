"""JobHealth: how a job's latest runs went as of now, its priority and why (insights/health.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import JobPriority
from gql_monitor.graphql.types.common import TimeWindow
from gql_monitor.insights import health as rule
from gql_monitor.questions.job_health import HEALTH_RECENT, HEALTH_WINDOW
from gql_monitor.questions.keys import JobKey, RunKey

if TYPE_CHECKING:
    from gql_monitor.graphql.types.run import Run

HealthRule = strawberry.enum(
    rule.Rule, name="HealthRule",
    description="A condition of the health rule: FAILURE_STREAK (P1), LATEST_RUN_FAILED (P2), SUCCESS_RATE_BELOW_P2 "
                "(P2), SUCCESS_RATE_BELOW_P3 (P3).")


@strawberry.type(description="A condition of the health rule that holds for the job.")
class HealthReason:
    rule: HealthRule = strawberry.field(description="Which condition.")
    priority: JobPriority = strawberry.field(description="The priority this condition sets.")
    value: float = strawberry.field(description="The figure judged: the failure streak (runs) or the 7-day success "
                                                "rate (0 to 1).")
    threshold: float | None = strawberry.field(description="The threshold it crossed (a setting); null for "
                                                           "LATEST_RUN_FAILED.")


@strawberry.type(description="Finished runs that started in a window: success rate and the counts behind it.")
class RunOutcomes:
    window: TimeWindow = strawberry.field(description="The window the runs started in, ending now.")
    finished_runs: int = strawberry.field(description="Runs with an end row (any result state).")
    succeeded_runs: int = strawberry.field(description="Runs whose result state is SUCCEEDED.")
    failed_runs: int = strawberry.field(description="FAILED, ERROR and TIMED_OUT runs.")
    success_rate: float | None = strawberry.field(
        description="succeededRuns / finishedRuns (CANCELLED, SKIPPED and BLOCKED runs count as finished, not "
                    "succeeded, as in RunStats); null with no finished runs.")

    @classmethod
    def of(cls, runs: rule.Runs, now: datetime, span: timedelta) -> "RunOutcomes":
        return cls(window=TimeWindow(start=now - span, end=now), finished_runs=runs.finished,
                   succeeded_runs=runs.succeeded, failed_runs=runs.failed, success_rate=runs.success_rate)


@strawberry.type(description="How a job's latest runs went as of now (the last 30 days of runs), and the priority "
                             "that follows. Runs are whole runs: a repaired run counts with its latest attempt's "
                             "outcome.")
class JobHealth:
    as_of: datetime = strawberry.field(description="The instant health is judged at (the operation's now).")
    priority: JobPriority = strawberry.field(description="P1, P2, P3 or HEALTHY, by the rule in docs/metrics.md.")
    reasons: list[HealthReason] = strawberry.field(
        description="Every condition of the rule that holds, most severe first: the first set `priority`. Empty "
                    "when HEALTHY.")
    last_7_days: RunOutcomes = strawberry.field(description="Runs that started in the last 7 days (the rule's "
                                                            "success rate).")
    last_30_days: RunOutcomes = strawberry.field(description="Runs that started in the last 30 days.")
    failure_streak: int = strawberry.field(
        description="Failed runs (FAILED, ERROR, TIMED_OUT) since the latest successful run, in start order, among "
                    "the last 30 days' finished runs; CANCELLED, SKIPPED and BLOCKED runs neither extend nor end it.")
    failing_since: datetime | None = strawberry.field(
        description="Start of the streak's first run; null without a streak. A streak older than 30 days is counted "
                    "from its first run in them.")
    last_success_time: datetime | None = strawberry.field(
        description="End of the latest successful run of the last 30 days; null when none succeeded.")
    seconds_since_last_success: float | None = strawberry.field(
        description="From `lastSuccessTime` to `asOf`; null when no run succeeded in 30 days.")
    latest_failure_key: strawberry.Private[RunKey | None]

    @strawberry.field(description="The streak's newest run (the latest failure, whose error to open first); null "
                                  "without a streak. The streak's runs are `Job.runs(filter: {resultStates: [FAILED, "
                                  "ERROR, TIMED_OUT]}, first: failureStreak)`.")
    async def latest_failure(
        self, info: Info
    ) -> Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")] | None:
        from gql_monitor.graphql.types.run import Run

        if self.latest_failure_key is None:
            return None
        row = await info.context.loaders.run.load(self.latest_failure_key)
        return Run.from_row(row) if row else None

    @classmethod
    def judge(cls, figures: rule.HealthFigures, info: Info) -> "JobHealth":
        now = info.context.now
        verdict = rule.judge(figures, info.context.thresholds)
        last = figures.last_success_time
        return cls(
            as_of=now, priority=verdict.priority,
            reasons=[HealthReason(rule=r.rule, priority=r.priority, value=r.value, threshold=r.threshold)
                     for r in verdict.reasons],
            last_7_days=RunOutcomes.of(figures.last_7_days, now, HEALTH_RECENT),
            last_30_days=RunOutcomes.of(figures.last_30_days, now, HEALTH_WINDOW),
            failure_streak=figures.failure_streak, failing_since=figures.failing_since, last_success_time=last,
            seconds_since_last_success=(now - last).total_seconds() if last else None,
            latest_failure_key=figures.streak_runs[0] if figures.streak_runs else None,
        )


async def load_health(info: Info, job: JobKey) -> JobHealth:
    row = await info.context.loaders.job_health.load(job)
    return JobHealth.judge(rule.HealthFigures.from_row(row) if row else rule.HealthFigures.no_runs(job), info)
