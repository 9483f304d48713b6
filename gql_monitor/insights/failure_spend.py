"""Spend on failure (docs/metrics.md, "Spend on failure"): what runs that failed, retry runs and repair attempts
cost, account-wide and per job, from failure_spend.sql's flagged usage rows, in exact decimals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gql_monitor.costing import CostSummary
from gql_monitor.questions import Row
from gql_monitor.questions.keys import JobKey, job_key


@dataclass
class FailureSpend:
    """One subject's (the account's or a job's) figures. A usage row may count in several of them (a failed retry,
    a failed run's repair); `total` counts each row once."""

    failed_runs: CostSummary = field(default_factory=CostSummary)
    retries: CostSummary = field(default_factory=CostSummary)
    repairs: CostSummary = field(default_factory=CostSummary)
    # Spent in an hour that both a repair and the attempt before it ran in: either's.
    repairs_unsplit: CostSummary = field(default_factory=CostSummary)
    total: CostSummary = field(default_factory=CostSummary)
    failed_run_count: int = 0
    retry_run_count: int = 0
    repaired_run_count: int = 0

    def add_usage(self, row: Row) -> None:
        if row["failed_run"]:
            self.failed_runs.add(row)
        if row["retry_run"]:
            self.retries.add(row)
        if row["repair"]:
            (self.repairs_unsplit if row["shared"] else self.repairs).add(row)
        self.total.add(row)

    def add_counts(self, row: Row) -> None:
        self.failed_run_count += row["failed_runs"]
        self.retry_run_count += row["retry_runs"]
        self.repaired_run_count += row["repaired_runs"]


@dataclass
class FailureSpendReport:
    account: FailureSpend
    jobs: dict[JobKey, FailureSpend]
    billed_through: datetime | None

    def top_jobs(self, first: int) -> list[tuple[JobKey, FailureSpend]]:
        """The jobs whose failures cost most (`total`), then by id."""
        ranked = sorted(self.jobs.items(), key=lambda item: (-item[1].total.amount, item[0]))
        return ranked[:first]


def summarize(rows: list[Row]) -> FailureSpendReport:
    account, jobs, billed = FailureSpend(), {}, None
    for row in rows:
        kind = row["row_kind"]
        if kind == "billing":
            billed = row["billed_through"]
            continue
        job = jobs.setdefault(job_key(row), FailureSpend())
        if kind == "usage":
            account.add_usage(row)
            job.add_usage(row)
        else:
            account.add_counts(row)
            job.add_counts(row)
    return FailureSpendReport(account, jobs, billed)
