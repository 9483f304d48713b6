"""Spend of jobs, runs and task runs, and the account's spend grouped by a dimension."""

from __future__ import annotations

from datetime import datetime

from gql_monitor.costing import CostSummary, SubjectCosts
from gql_monitor.loaders.batching import Fetch, KeyedLoader, QuestionLoader, SegmentedLoader, group_rows
from gql_monitor.loaders.keys import JobWindowKey, split_job_window
from gql_monitor.questions import Row
from gql_monitor.questions.cost_by_job import JobCostQuery
from gql_monitor.questions.cost_by_run import RunCostQuery
from gql_monitor.questions.cost_by_run_attempt import RunAttemptCostQuery
from gql_monitor.questions.cost_by_task_run import TaskRunCostQuery
from gql_monitor.questions.costs_by_dimension import CostBreakdownQuery
from gql_monitor.questions.keys import JobKey, RunRef, job_run_key, run_key
from gql_monitor.questions.windows import Window


def cost_by_job_loader(fetch: Fetch) -> SegmentedLoader[JobWindowKey, CostSummary]:
    async def load(window: Window, job_keys: list[JobKey]) -> dict[JobKey, CostSummary]:
        costs = SubjectCosts(await fetch(JobCostQuery(tuple(job_keys), window)), _subject_key)
        return {key: costs.of(key) for key in job_keys}

    return SegmentedLoader(split_job_window, load)


def _subject_key(row: Row) -> str:
    """A job's or run's key, from the rows of _subject_costs.sql."""
    return f"{row['workspace_id']}:{row['subject_id']}"


def cost_by_run_loader(fetch: Fetch, now: datetime) -> KeyedLoader[RunRef, CostSummary]:
    async def load(runs: list[RunRef]) -> dict[RunRef, CostSummary]:
        costs = SubjectCosts(await fetch(RunCostQuery(tuple(runs), now)), _subject_key)
        return {run: costs.of(run.key) for run in runs}

    return KeyedLoader(load)


def cost_by_run_attempt_loader(fetch: Fetch, now: datetime) -> KeyedLoader[RunRef, "AttemptCosts"]:
    async def load(runs: list[RunRef]) -> dict[RunRef, AttemptCosts]:
        rows = await fetch(RunAttemptCostQuery(tuple(runs), now))
        billed_through = next((row["billed_through"] for row in rows if row["row_kind"] == "billing"), None)
        by_run = group_rows(rows, run_key)
        return {run: AttemptCosts(by_run.get(run.key, []), billed_through) for run in runs}

    return KeyedLoader(load)


class AttemptCosts:
    """One run's spend split among its attempts. A usage row marked `shared` fell in an hour two attempts ran in:
    neither attempt's share is known. What the run's task runs say (all-purpose compute) holds for each attempt."""

    def __init__(self, rows: list[dict], billed_through: datetime | None) -> None:
        self._usage = group_rows((r for r in rows if r["row_kind"] == "usage"), lambda row: row["attempt"])
        self._activity = [r for r in rows if r["row_kind"] == "activity"]
        self._billed_through = billed_through
        self._unknown = {n for attempt, attempt_rows in self._usage.items() if any(r["shared"] for r in attempt_rows)
                         for n in (attempt, attempt - 1)}

    def of(self, number: int) -> CostSummary | None:
        if number in self._unknown:
            return None
        summary = CostSummary(billed_through=self._billed_through)
        for row in self._usage.get(number, []):
            summary.add(row)
        for row in self._activity:
            summary.add_activity(row)
        return summary


def cost_by_task_run_loader(fetch: Fetch, now: datetime) -> KeyedLoader[RunRef, SubjectCosts]:
    """Each run's task runs' costs, keyed by task run id."""

    async def load(runs: list[RunRef]) -> dict[RunRef, SubjectCosts]:
        rows = await fetch(TaskRunCostQuery(tuple(runs), now))
        grouped = group_rows(rows, lambda row: job_run_key(row) if row["row_kind"] != "billing" else None)
        billing = grouped.get(None, [])
        return {run: SubjectCosts([*grouped.get(run.key, []), *billing], lambda row: row["task_run_id"])
                for run in runs}

    return KeyedLoader(load)


def cost_breakdown_loader(fetch: Fetch) -> QuestionLoader[CostBreakdownQuery]:
    return QuestionLoader(fetch)
