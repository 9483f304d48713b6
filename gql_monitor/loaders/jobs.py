"""Jobs: pages of the job catalog, and jobs by key (latest SCD2 version, or what else knows an aged-out job)."""

from __future__ import annotations

from datetime import datetime

from gql_monitor.loaders.batching import Fetch, KeyedLoader, QuestionLoader
from gql_monitor.questions import Row
from gql_monitor.questions.jobs import JobsQuery
from gql_monitor.questions.keys import JobKey, job_key


def jobs_page_loader(fetch: Fetch) -> QuestionLoader[JobsQuery]:
    return QuestionLoader(fetch)


def jobs_by_key_loader(fetch: Fetch, now: datetime) -> KeyedLoader[JobKey, Row | None]:
    async def load(keys: list[JobKey]) -> dict[JobKey, Row]:
        return {job_key(row): row for row in await fetch(JobsQuery.by_keys(keys, now))}

    return KeyedLoader(load)
