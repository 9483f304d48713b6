"""Job health as of the operation's `now`: for the jobs of a page (one statement), or for every job (the alerts)."""

from __future__ import annotations

from datetime import datetime

from gql_monitor.loaders.batching import Fetch, KeyedLoader, QuestionLoader
from gql_monitor.questions import Row
from gql_monitor.questions.job_health import JobHealthQuery
from gql_monitor.questions.keys import JobKey, job_key


def job_health_loader(fetch: Fetch, now: datetime) -> KeyedLoader[JobKey, Row | None]:
    """None for a job that finished no run in the health window."""

    async def load(keys: list[JobKey]) -> dict[JobKey, Row]:
        return {job_key(row): row for row in await fetch(JobHealthQuery(now, tuple(keys)))}

    return KeyedLoader(load)


def health_of_all_jobs_loader(fetch: Fetch) -> QuestionLoader[JobHealthQuery]:
    return QuestionLoader(fetch)
