"""Run statistics per job in a window: counts by result state and duration percentiles."""

from __future__ import annotations

from gql_monitor.loaders.batching import Fetch, SegmentedLoader, group_rows
from gql_monitor.loaders.keys import JobWindowKey, split_job_window
from gql_monitor.questions import Row
from gql_monitor.questions.keys import JobKey, job_key
from gql_monitor.questions.run_stats import RunStatsQuery
from gql_monitor.questions.windows import Window


def run_stats_loader(fetch: Fetch) -> SegmentedLoader[JobWindowKey, list[Row]]:
    async def load(window: Window, job_keys: list[JobKey]) -> dict[JobKey, list[Row]]:
        return group_rows(await fetch(RunStatsQuery(tuple(job_keys), window)), job_key)

    return SegmentedLoader(split_job_window, load, missing=[])
