"""Spend of jobs, runs and task runs, and the account's spend grouped by a dimension."""

from __future__ import annotations

from datetime import datetime, timedelta

from gql_monitor.costing import CostSummary, SubjectCosts
from gql_monitor.loaders.batching import Fetch, KeyedLoader, SegmentedLoader, group_rows
from gql_monitor.loaders.params import list_or_none, run_usage_span, usage_window, window


def cost_by_job_loader(fetch: Fetch) -> SegmentedLoader:
    """Key item: job key. Segment: (start, end)."""

    async def load(segment, job_keys: list[str]) -> dict:
        rows = await fetch("cost_by_job", {"job_keys": job_keys, "run_keys": None, **usage_window(*segment)})
        costs = SubjectCosts(rows, _subject_key)
        return {key: costs.of(key) for key in job_keys}

    return SegmentedLoader(load)


def _subject_key(row: dict) -> str:
    """A job's or run's key, from the rows of _subject_costs.sql."""
    return f"{row['workspace_id']}:{row['subject_id']}"


def run_usage_window(earliest_run_start: datetime, now: datetime) -> dict:
    """Usage of runs: from the hour the earliest run started (no usage precedes it) up to the current hour."""
    return usage_window(*run_usage_span(earliest_run_start, now))


def _run_window(items: list[tuple[str, datetime]], now: datetime) -> dict:
    return run_usage_window(min(start for _, start in items), now)


def cost_by_run_loader(fetch: Fetch, now: datetime) -> KeyedLoader:
    """Key item: (run key, run start)."""

    async def load(items: list[tuple[str, datetime]]) -> dict:
        rows = await fetch(
            "cost_by_run", {"run_keys": [key for key, _ in items], "job_keys": None, **_run_window(items, now)}
        )
        costs = SubjectCosts(rows, _subject_key)
        return {item: costs.of(item[0]) for item in items}

    return KeyedLoader(load)


def cost_by_run_attempt_loader(fetch: Fetch, now: datetime) -> KeyedLoader:
    """Key item: (run key, run start) → the run's AttemptCosts."""

    async def load(items: list[tuple[str, datetime]]) -> dict:
        usage = _run_window(items, now)
        start = usage["usage_start"]
        # The runs are asked for by id and none started before `start`: nothing to look back for.
        runs = {**window(start, now + timedelta(days=1)), "lookback_start": start}
        rows = await fetch(
            "cost_by_run_attempt", {"run_keys": [key for key, _ in items], "job_keys": None, **usage, **runs}
        )
        billed_through = next((row["billed_through"] for row in rows if row["row_kind"] == "billing"), None)
        by_run = group_rows(rows, lambda row: f"{row['workspace_id']}:{row['run_id']}")
        return {item: AttemptCosts(by_run.get(item[0], []), billed_through) for item in items}

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


def cost_by_task_run_loader(fetch: Fetch, now: datetime) -> KeyedLoader:
    """Key item: (job run key, run start) → SubjectCosts keyed by task run id."""

    async def load(items: list[tuple[str, datetime]]) -> dict:
        rows = await fetch(
            "cost_by_task_run", {"run_keys": [key for key, _ in items], "job_keys": None, **_run_window(items, now)}
        )
        grouped = group_rows(rows, lambda row: f"{row['workspace_id']}:{row['job_run_id']}"
                             if row["row_kind"] != "billing" else None)
        billing = grouped.get(None, [])
        return {item: SubjectCosts([*grouped.get(item[0], []), *billing], lambda row: row["task_run_id"])
                for item in items}

    return KeyedLoader(load)


async def fetch_costs_by_dimension(
    fetch: Fetch, dimension: str, start: datetime, end: datetime, *, tag_key: str | None = None,
    workspace_id: str | None = None, skus: list[str] | None = None, products: list[str] | None = None,
) -> list[dict]:
    return await fetch(
        "costs_by_dimension",
        {
            "dimension": dimension,
            "tag_key": tag_key,
            "workspace_id": workspace_id,
            "skus": list_or_none(skus),
            "products": list_or_none(products),
            "job_keys": None,
            "run_keys": None,
            **usage_window(start, end),
        },
    )
