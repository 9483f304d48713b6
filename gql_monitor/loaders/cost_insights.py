"""Cost insights: run cost anomalies (account-wide, or per job for a page of jobs) and the account-wide questions of
`costInsights` (one statement each, shared by every field and alert producer of an operation that asks it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from operator import attrgetter

from gql_monitor.loaders.batching import Fetch, SegmentedLoader, group_rows
from gql_monitor.questions import Row
from gql_monitor.questions.cost_anomalies import CostAnomalyQuery
from gql_monitor.questions.keys import JobKey, job_key


@dataclass(frozen=True)
class JobAnomaliesKey:
    """One job's cost anomalies: `question` is the account-wide question every sibling job asks (window, rule)."""

    job: JobKey
    question: CostAnomalyQuery


def job_cost_anomalies_loader(fetch: Fetch) -> SegmentedLoader[JobAnomaliesKey, list[Row]]:
    """The statement's rows per job: its candidates, their runs' and baseline runs' usage, and the billing row."""

    async def load(question: CostAnomalyQuery, jobs: list[JobKey]) -> dict[JobKey, list[Row]]:
        rows = await fetch(replace(question, job_keys=tuple(jobs)))
        billing = [row for row in rows if row["row_kind"] == "billing"]
        by_job = group_rows((row for row in rows if row["row_kind"] != "billing"), job_key)
        return {job: [*by_job.get(job, []), *billing] for job in jobs}

    return SegmentedLoader(attrgetter("question", "job"), load)

