"""Per-request DataLoaders, one per question. Built fresh for every GraphQL operation, bound to its principal.

Each field's type says what a resolver gives (the key) and gets back: keys are the questions' own names
(`JobKey`, `RunRef`, ...), the segmented loaders' keys are in loaders/keys.py, and the page loaders take whole
questions (`JobsQuery`, `RunsQuery`, ...), built from GraphQL arguments in graphql/questions.py."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property, partial

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
    RunPage,
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


class Loaders:
    """The operation's loaders, each built on first use: an operation uses a few of them, and building all
    thirty-odd DataLoaders for every request was most of a cached request's own time."""

    def __init__(self, fetch: Fetch, jobs_api, principal, stats, now: datetime) -> None:
        self._fetch = fetch
        self._jobs_api = jobs_api
        self._principal = principal
        self._stats = stats
        self._now = now

    @cached_property
    def jobs_page(self) -> QuestionLoader[JobsQuery]:
        return jobs_page_loader(self._fetch)

    @cached_property
    def job(self) -> KeyedLoader[JobKey, Row | None]:
        return jobs_by_key_loader(self._fetch, self._now)

    @cached_property
    def runs_page(self) -> QuestionLoader[RunsQuery]:
        return runs_page_loader(self._fetch)

    @cached_property
    def runs_by_job(self) -> SegmentedLoader[JobRunsKey, RunPage]:
        return runs_by_job_loader(self._fetch)

    @cached_property
    def run(self) -> KeyedLoader[RunKey, Row | None]:
        return runs_by_key_loader(self._fetch, self._now)

    @cached_property
    def run_stats(self) -> SegmentedLoader[JobWindowKey, list[Row]]:
        return run_stats_loader(self._fetch)

    @cached_property
    def tasks_by_job(self) -> KeyedLoader[JobKey, list[Row]]:
        return tasks_by_job_loader(self._fetch)

    @cached_property
    def task_runs_by_run(self) -> KeyedLoader[RunRef, list[Row]]:
        return task_runs_by_run_loader(self._fetch)

    @cached_property
    def cost_by_job(self) -> SegmentedLoader[JobWindowKey, CostSummary]:
        return cost_by_job_loader(self._fetch)

    @cached_property
    def cost_by_run(self) -> KeyedLoader[RunRef, CostSummary]:
        return cost_by_run_loader(self._fetch, self._now)

    @cached_property
    def cost_by_run_attempt(self) -> KeyedLoader[RunRef, AttemptCosts]:
        return cost_by_run_attempt_loader(self._fetch, self._now)

    @cached_property
    def cost_by_task_run(self) -> KeyedLoader[RunRef, SubjectCosts]:
        return cost_by_task_run_loader(self._fetch, self._now)

    @cached_property
    def cost_breakdown(self) -> QuestionLoader[CostBreakdownQuery]:
        return cost_breakdown_loader(self._fetch)

    @cached_property
    def job_health(self) -> KeyedLoader[JobKey, Row | None]:
        return job_health_loader(self._fetch, self._now)

    @cached_property
    def health_of_all_jobs(self) -> QuestionLoader[JobHealthQuery]:
        return health_of_all_jobs_loader(self._fetch)

    @cached_property
    def failures(self) -> QuestionLoader[FailuresQuery]:
        return failures_loader(self._fetch)

    @cached_property
    def data_quality(self) -> QuestionLoader[DataQualityQuery]:
        return data_quality_loader(self._fetch)

    @cached_property
    def job_cost_anomalies(self) -> SegmentedLoader[JobAnomaliesKey, list[Row]]:
        return job_cost_anomalies_loader(self._fetch)

    @cached_property
    def workspace(self) -> SharedLoader[str, Row | None]:
        return workspaces_loader(self._fetch)

    @cached_property
    def workspace_list(self) -> QuestionLoader[WorkspacesQuery]:
        return workspace_list_loader(self._fetch)

    @cached_property
    def freshness(self) -> QuestionLoader[FreshnessQuery]:
        return freshness_loader(self._fetch)

    @cached_property
    def data_start(self) -> QuestionLoader[DataStartQuery]:
        return data_start_loader(self._fetch)

    @cached_property
    def run_details(self) -> SharedLoader[int, JsonObject | None]:
        api = self._jobs_api
        return run_details_loader(partial(_live, api, api.get_run, self._principal, self._stats))

    @cached_property
    def run_output(self) -> SharedLoader[int, JsonObject | None]:
        api = self._jobs_api
        return run_output_loader(partial(_live, api, api.get_run_output, self._principal, self._stats))

    @cached_property
    def active_runs_page(self) -> SharedLoader[ActiveRunsPage, JsonObject]:
        return active_runs_page_loader(partial(_active_runs, self._jobs_api, self._principal, self._stats))

    @cached_property
    def home_workspace(self) -> SharedLoader[str, str | None]:
        return home_workspace_loader(self._jobs_api.home_workspace_id)

    @cached_property
    def job_durations(self) -> SegmentedLoader[JobDurationsKey, JobDurations]:
        # Durations, SLAs and schedules of a page of jobs (gql_monitor/insights/).
        return job_durations_loader(self._fetch)

    @cached_property
    def job_sla_runs(self) -> SegmentedLoader[JobSlaKey, JobSlaRuns]:
        return job_sla_runs_loader(self._fetch)

    @cached_property
    def job_schedule_runs(self) -> SegmentedLoader[JobWindowKey, list[Row]]:
        return job_schedule_runs_loader(self._fetch)

    @cached_property
    def insight_questions(self) -> QuestionLoader[Question]:
        # Account-wide questions of the insight rules and cost insights (the alerts' durations, SLAs and schedules;
        # anomalies, failure spend, spikes, forecast, movers, ...): one statement per distinct question.
        return insight_question_loader(self._fetch)


def build_loaders(fetch: Fetch, jobs_api, principal, stats, now: datetime) -> Loaders:
    return Loaders(fetch, jobs_api, principal, stats, now)


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
