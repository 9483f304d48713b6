"""Jobs on all-purpose compute (docs/metrics.md, "Jobs on all-purpose compute"): their task runs ran on clusters
billed per cluster with no job id, so their spend is in the account's unattributed remainder, never in their cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gql_monitor.insights.producer import Scope, raises
from gql_monitor.insights.findings import Evidence, Finding, Severity
from gql_monitor.questions import Row
from gql_monitor.questions.all_purpose_jobs import AllPurposeJobsQuery
from gql_monitor.questions.keys import JobKey, job_key


@dataclass(frozen=True)
class AllPurposeJob:
    job: JobKey
    task_runs: int
    all_purpose_task_runs: int
    last_all_purpose_end: datetime | None


def from_rows(rows: list[Row]) -> list[AllPurposeJob]:
    """Most all-purpose task runs first, then by id."""
    jobs = [AllPurposeJob(job_key(r), int(r["task_runs"]), int(r["all_purpose_task_runs"]), r["last_all_purpose_end"])
            for r in rows]
    return sorted(jobs, key=lambda j: (-j.all_purpose_task_runs, j.job))


@raises("ALL_PURPOSE_COMPUTE")
async def all_purpose_findings(scope: Scope) -> list[Finding]:
    rows = await scope.loaders.insight_questions.load(AllPurposeJobsQuery(scope.window))
    return [
        Finding(
            kind="ALL_PURPOSE_COMPUTE",
            severity=Severity.INFO,
            job=job.job,
            title=f"{job.all_purpose_task_runs} of the job's {job.task_runs} task runs ran on all-purpose compute: "
                  "their spend cannot be attributed to the job",
            evidence=(
                Evidence("allPurposeTaskRuns", job.all_purpose_task_runs, None, "task runs"),
                Evidence("taskRuns", job.task_runs, None, "task runs"),
            ),
            next_step="Run the job on a job cluster or serverless compute: it gets its own cost, and job compute is "
                      "billed at a lower rate than all-purpose compute.",
        )
        for job in from_rows(rows)
    ]
