"""Per-request DataLoaders, one per question. Built fresh for every GraphQL operation, bound to its principal.

Each field's type says what a resolver gives (the key) and gets back: keys are the questions' own names
(`JobKey`, `RunRef`, ...), the segmented loaders' keys are in loaders/keys.py, and the page loaders take whole
questions (`JobsQuery`, `RunsQuery`, ...), built from GraphQL arguments in graphql/questions.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from gql_monitor.costing import CostSummary, SubjectCosts
from gql_monitor.loaders.batching import Fetch, KeyedLoader, QuestionLoader, SegmentedLoader, SharedLoader
from gql_monitor.loaders.costs import (
    AttemptCosts,
    cost_breakdown_loader,
    cost_by_job_loader,
    cost_by_run_attempt_loader,
    cost_by_run_loader,
    cost_by_task_run_loader,
)
from gql_monitor.loaders.cost_insights import JobAnomaliesKey, job_cost_anomalies_loader
from gql_monitor.loaders.durations import (
    JobDurations,
    JobSlaRuns,
    insight_question_loader,
    job_durations_loader,
    job_schedule_runs_loader,
    job_sla_runs_loader,
)
from gql_monitor.loaders.health import health_of_all_jobs_loader, job_health_loader
from gql_monitor.loaders.jobs import jobs_by_key_loader, jobs_page_loader
from gql_monitor.loaders.keys import JobDurationsKey, JobRunsKey, JobSlaKey, JobWindowKey
from gql_monitor.loaders.live import (
    ActiveRunsPage,
    JsonObject,
    active_runs_page_loader,
    home_workspace_loader,
    run_details_loader,
    run_output_loader,
)
from gql_monitor.loaders.quality import data_quality_loader, failures_loader
from gql_monitor.loaders.reference import data_start_loader, freshness_loader, workspace_list_loader, \
    workspaces_loader
from gql_monitor.loaders.run_stats import run_stats_loader
from gql_monitor.loaders.runs import (
    run_page_costs_loader,
    run_page_tasks_loader,
    runs_by_job_loader,
    runs_by_key_loader,
    runs_page_loader,
)
from gql_monitor.loaders.tasks import task_runs_by_run_loader, tasks_by_job_loader
from gql_monitor.questions import Question, Row
from gql_monitor.questions.costs_by_dimension import CostBreakdownQuery
from gql_monitor.questions.data_freshness import FreshnessQuery
from gql_monitor.questions.data_start import DataStartQuery
from gql_monitor.questions.workspaces import WorkspacesQuery
from gql_monitor.questions.data_quality import DataQualityQuery
from gql_monitor.questions.failures import FailuresQuery
from gql_monitor.questions.job_health import JobHealthQuery
from gql_monitor.questions.jobs import JobsQuery
from gql_monitor.questions.keys import JobKey, RunKey, RunRef
from gql_monitor.questions.runs import RunsQuery


@dataclass
class Loaders:
    jobs_page: QuestionLoader[JobsQuery]
    job: KeyedLoader[JobKey, Row | None]
    runs_page: QuestionLoader[RunsQuery]
    runs_by_job: SegmentedLoader[JobRunsKey, list[Row]]
    # Look-ahead companions of runs_by_job: asked in the same round trip when the runs' cost or tasks are selected.
    run_page_costs: SegmentedLoader[JobRunsKey, SubjectCosts]
    run_page_tasks: SegmentedLoader[JobRunsKey, dict[RunKey, list[Row]]]
    run: KeyedLoader[RunKey, Row | None]
    run_stats: SegmentedLoader[JobWindowKey, list[Row]]
    tasks_by_job: KeyedLoader[JobKey, list[Row]]
    task_runs_by_run: KeyedLoader[RunRef, list[Row]]
    cost_by_job: SegmentedLoader[JobWindowKey, CostSummary]
    cost_by_run: KeyedLoader[RunRef, CostSummary]
    cost_by_run_attempt: KeyedLoader[RunRef, AttemptCosts]
    cost_by_task_run: KeyedLoader[RunRef, SubjectCosts]
    cost_breakdown: QuestionLoader[CostBreakdownQuery]
    job_health: KeyedLoader[JobKey, Row | None]
    health_of_all_jobs: QuestionLoader[JobHealthQuery]
    failures: QuestionLoader[FailuresQuery]
    data_quality: QuestionLoader[DataQualityQuery]
    job_cost_anomalies: SegmentedLoader[JobAnomaliesKey, list[Row]]
    workspace: SharedLoader[str, Row | None]
    workspace_list: QuestionLoader[WorkspacesQuery]
    freshness: QuestionLoader[FreshnessQuery]
    data_start: QuestionLoader[DataStartQuery]
    run_details: SharedLoader[int, JsonObject | None]
    run_output: SharedLoader[int, JsonObject | None]
    active_runs_page: SharedLoader[ActiveRunsPage, JsonObject]
    home_workspace: SharedLoader[str, str | None]
    # Durations, SLAs and schedules of a page of jobs (gql_monitor/insights/).
    job_durations: SegmentedLoader[JobDurationsKey, JobDurations]
    job_sla_runs: SegmentedLoader[JobSlaKey, JobSlaRuns]
    job_schedule_runs: SegmentedLoader[JobWindowKey, list[Row]]
    # Account-wide questions of the insight rules and cost insights (the alerts' durations, SLAs and schedules;
    # anomalies, failure spend, spikes, forecast, movers, ...): one statement per distinct question.
    insight_questions: QuestionLoader[Question]


def build_loaders(fetch: Fetch, jobs_api, principal, stats, now: datetime) -> Loaders:
    return Loaders(
        jobs_page=jobs_page_loader(fetch),
        job=jobs_by_key_loader(fetch, now),
        runs_page=runs_page_loader(fetch),
        runs_by_job=runs_by_job_loader(fetch),
        run_page_costs=run_page_costs_loader(fetch, now),
        run_page_tasks=run_page_tasks_loader(fetch),
        run=runs_by_key_loader(fetch, now),
        run_stats=run_stats_loader(fetch),
        tasks_by_job=tasks_by_job_loader(fetch),
        task_runs_by_run=task_runs_by_run_loader(fetch),
        cost_by_job=cost_by_job_loader(fetch),
        cost_by_run=cost_by_run_loader(fetch, now),
        cost_by_run_attempt=cost_by_run_attempt_loader(fetch, now),
        cost_by_task_run=cost_by_task_run_loader(fetch, now),
        cost_breakdown=cost_breakdown_loader(fetch),
        job_health=job_health_loader(fetch, now),
        health_of_all_jobs=health_of_all_jobs_loader(fetch),
        failures=failures_loader(fetch),
        data_quality=data_quality_loader(fetch),
        job_cost_anomalies=job_cost_anomalies_loader(fetch),
        workspace=workspaces_loader(fetch),
        workspace_list=workspace_list_loader(fetch),
        freshness=freshness_loader(fetch),
        data_start=data_start_loader(fetch),
        run_details=run_details_loader(partial(_live, jobs_api, jobs_api.get_run, principal, stats)),
        run_output=run_output_loader(partial(_live, jobs_api, jobs_api.get_run_output, principal, stats)),
        active_runs_page=active_runs_page_loader(partial(_active_runs, jobs_api, principal, stats)),
        home_workspace=home_workspace_loader(jobs_api.home_workspace_id),
        job_durations=job_durations_loader(fetch),
        job_sla_runs=job_sla_runs_loader(fetch),
        job_schedule_runs=job_schedule_runs_loader(fetch),
        insight_questions=insight_question_loader(fetch),
    )


# Live answers are cut to the caller's job scope here, where they arrive: with `permissions` visibility they are the
# app's (the Jobs API is called with its credentials), so the API's own ACL check no longer applies for the caller.
async def _live(jobs_api, call, principal, stats, run_id: int):
    run = await call(run_id, principal, stats)
    if run is None or principal.scope.full:
        return run
    job_id = run.get("job_id", (run.get("metadata") or {}).get("job_id"))
    return run if principal.scope.allows_job(await jobs_api.home_workspace_id(), job_id) else None


async def _active_runs(jobs_api, principal, stats, page: ActiveRunsPage):
    answer = await jobs_api.list_runs_page(principal, active_only=True, page_token=page.page_token, limit=page.limit,
                                           stats=stats)
    if principal.scope.full:
        return answer
    # A page keeps its place in the API's paging (its token) and may hold fewer runs than asked for.
    workspace_id = await jobs_api.home_workspace_id()
    runs = [run for run in answer.get("runs") or () if principal.scope.allows_job(workspace_id, run.get("job_id"))]
    return {**answer, "runs": runs}
