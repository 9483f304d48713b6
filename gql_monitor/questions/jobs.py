"""jobs.sql: a page of the job catalog, filtered and in order, or the jobs with given keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from gql_monitor.questions import Question, list_or_none
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.windows import RETENTION

JobSort = Literal["NAME", "ID"]


@dataclass(frozen=True)
class TagMatch:
    """The job carries tag `key`, with `value` when one is given."""

    key: str
    value: str | None = None


@dataclass(frozen=True)
class JobFilterTerms:
    """What a job must be to pass; each term's default passes every job."""

    workspace_id: str | None = None
    name_contains: str | None = None
    run_as: str | None = None
    creator: str | None = None
    include_deleted: bool = False
    in_jobs_table: bool | None = None
    tags: tuple[TagMatch, ...] = ()


@dataclass(frozen=True)
class JobCursor:
    """Where a page ends: the last job's sort key and key."""

    sort_key: str
    job_key: str


@dataclass(frozen=True)
class JobsQuery(Question):
    statement = "jobs"

    # The tables' "now": jobs that left the jobs table are still listed while their runs are in retention.
    now: datetime
    limit: int
    filter: JobFilterTerms = JobFilterTerms()
    order_by: JobSort = "NAME"
    after: JobCursor | None = None
    job_keys: tuple[JobKey, ...] | None = None

    @classmethod
    def by_keys(cls, keys: list[JobKey], now: datetime) -> "JobsQuery":
        """The jobs with these keys, deleted ones too."""
        return cls(now=now, limit=len(keys), filter=JobFilterTerms(include_deleted=True), order_by="ID",
                   job_keys=tuple(keys))

    def params(self) -> dict[str, Any]:
        terms = self.filter
        valued = [tag for tag in terms.tags if tag.value is not None]
        return {
            "workspace_id": terms.workspace_id,
            "job_keys": list_or_none(self.job_keys),
            "include_deleted": terms.include_deleted,
            "name_search": terms.name_contains or None,
            "run_as": terms.run_as,
            "creator": terms.creator,
            "tag_keys": list_or_none(tag.key for tag in terms.tags),
            "tag_value_keys": list_or_none(tag.key for tag in valued),
            "tag_values": list_or_none(tag.value for tag in valued),
            "in_jobs_table": terms.in_jobs_table,
            "order_by": self.order_by,
            "after_sort": self.after.sort_key if self.after else None,
            "after_key": self.after.job_key if self.after else None,
            "limit": self.limit,
            "seen_since": self.now - RETENTION,
        }
