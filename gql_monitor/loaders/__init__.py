"""Per-request DataLoaders, one per question. Built fresh for every GraphQL operation, bound to its principal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from gql_monitor.loaders.batching import Fetch, KeyedLoader, SegmentedLoader, SharedLoader
from gql_monitor.loaders.costs import (
    cost_by_job_loader,
    cost_by_run_attempt_loader,
    cost_by_run_loader,
    cost_by_task_run_loader,
)
from gql_monitor.loaders.jobs import jobs_by_key_loader
from gql_monitor.loaders.live import (
    ActiveRunsPage,
    active_runs_page_loader,
    home_workspace_loader,
    run_details_loader,
    run_output_loader,
)
from gql_monitor.loaders.reference import workspaces_loader
from gql_monitor.loaders.run_stats import run_stats_loader
from gql_monitor.loaders.runs import (
    run_page_costs_loader,
    run_page_tasks_loader,
    runs_by_job_loader,
    runs_by_key_loader,
)
from gql_monitor.loaders.tasks import task_runs_by_run_loader, tasks_by_job_loader


@dataclass
class Loaders:
    job: KeyedLoader
    runs_by_job: SegmentedLoader
    # Look-ahead companions of runs_by_job: asked in the same round trip when the runs' cost or tasks are selected.
    run_page_costs: SegmentedLoader
    run_page_tasks: SegmentedLoader
    run: KeyedLoader
    run_stats: SegmentedLoader
    tasks_by_job: KeyedLoader
    task_runs_by_run: KeyedLoader
    cost_by_job: SegmentedLoader
    cost_by_run: KeyedLoader
    cost_by_run_attempt: KeyedLoader
    cost_by_task_run: KeyedLoader
    workspace: SharedLoader
    run_details: SharedLoader
    run_output: SharedLoader
    active_runs_page: SharedLoader
    home_workspace: SharedLoader


def build_loaders(fetch: Fetch, jobs_api, principal, stats, now: datetime) -> Loaders:
    return Loaders(
        job=jobs_by_key_loader(fetch, now),
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
        workspace=workspaces_loader(fetch),
        run_details=run_details_loader(partial(_live, jobs_api.get_run, principal, stats)),
        run_output=run_output_loader(partial(_live, jobs_api.get_run_output, principal, stats)),
        active_runs_page=active_runs_page_loader(partial(_active_runs, jobs_api.list_runs_page, principal, stats)),
        home_workspace=home_workspace_loader(jobs_api.home_workspace_id),
    )


async def _live(call, principal, stats, run_id: int):
    return await call(run_id, principal, stats)


async def _active_runs(list_runs_page, principal, stats, page: ActiveRunsPage):
    return await list_runs_page(principal, active_only=True, page_token=page.page_token, limit=page.limit, stats=stats)
