"""Untagged spend (docs/metrics.md, "Untagged spend"): the part of job spend whose usage records carry no custom tag
at all, or no value for a given tag key, in total and per job. Exact decimals throughout."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from gql_monitor.costing import ZERO, CostSummary
from gql_monitor.questions import Row


@dataclass
class JobTagging:
    """One job's (or every job's) spend, and the parts of it without tags and without the tag key."""

    spend: CostSummary = field(default_factory=CostSummary)
    untagged: CostSummary = field(default_factory=CostSummary)
    without_key: CostSummary = field(default_factory=CostSummary)

    def add(self, row: Row) -> None:
        self.spend.add(row)
        if row["untagged"]:
            self.untagged.add(row)
        if row["without_key"]:
            self.without_key.add(row)


@dataclass
class UntaggedSpend:
    billed_through: datetime | None
    jobs_total: JobTagging
    jobs: dict[str, JobTagging]


def summarize(rows: list[Row]) -> UntaggedSpend:
    total, jobs, billed = JobTagging(), defaultdict(JobTagging), None
    for row in rows:
        if row["row_kind"] == "billing":
            billed = row["billed_through"]
        else:
            total.add(row)
            jobs[row["subject"]].add(row)
    return UntaggedSpend(billed, total, dict(jobs))


def top(jobs: dict[str, JobTagging], part: str, first: int) -> list[tuple[str, JobTagging]]:
    """The jobs with the most spend in `part` ("untagged" or "without_key"), then by id; jobs with none are left
    out."""
    having = [(k, j) for k, j in jobs.items() if getattr(j, part).amount > ZERO]
    return sorted(having, key=lambda kj: (-getattr(kj[1], part).amount, kj[0]))[:first]
