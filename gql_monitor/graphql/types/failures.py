"""Root `failures`: failed runs in a window by termination code and by termination type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import TimeWindowInput, page_size, resolve_window
from gql_monitor.graphql.types.common import TimeWindow
from gql_monitor.questions.failures import RECENT_RUNS, TOP_JOBS, FailuresQuery
from gql_monitor.questions.keys import JobKey, job_key, run_key

# A grouping lists at most this many groups (the system tables know a few dozen termination codes).
MAX_GROUPS = 50

if TYPE_CHECKING:
    from gql_monitor.graphql.types.job import Job
    from gql_monitor.graphql.types.run import Run


@strawberry.type(description="A job and how many of a group's failed runs are its.")
class FailingJob:
    failed_runs: int = strawberry.field(description="The job's failed runs in the group.")
    job_key: strawberry.Private[JobKey]

    @strawberry.field(description="The job; null when the tables no longer know it.")
    async def job(self, info: Info) -> Annotated["Job", strawberry.lazy("gql_monitor.graphql.types.job")] | None:
        from gql_monitor.graphql.types.job import load_job

        return await load_job(info, self.job_key)



@strawberry.type(description="Failed runs that share a termination code (or type).")
class FailureGroup:
    key: str | None = strawberry.field(description="The termination code or type; null when the tables record none.")
    failed_runs: int = strawberry.field(description="Failed runs in the group.")
    job_count: int = strawberry.field(description="Distinct jobs among them.")
    failing_jobs: strawberry.Private[list]
    run_keys: strawberry.Private[tuple]

    @strawberry.field(description="The jobs with the most failed runs in the group, most first (ties by id).")
    def jobs(self, first: Annotated[int, strawberry.argument(description=f"How many, 1 to {TOP_JOBS}.")] = 3
             ) -> list[FailingJob]:
        return self.failing_jobs[:page_size(first, TOP_JOBS)]

    @strawberry.field(description="The group's newest failed runs, newest first.")
    async def recent_runs(
        self, info: Info, first: Annotated[int, strawberry.argument(description=f"How many, 1 to {RECENT_RUNS}.")] = 3
    ) -> list[Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")]]:
        from gql_monitor.graphql.types.run import Run

        rows = await info.context.loaders.run.load_many(list(self.run_keys[:page_size(first, RECENT_RUNS)]))
        return [Run.from_row(row) for row in rows if row]


@strawberry.type(description="Failed runs (FAILED, ERROR, TIMED_OUT) that started in a window, grouped two ways.")
class FailureBreakdown:
    window: TimeWindow = strawberry.field(description="The window the runs started in.")
    failed_runs: int = strawberry.field(description="All failed runs in the window.")
    code_groups: strawberry.Private[list]
    type_groups: strawberry.Private[list]

    @strawberry.field(description="Groups by termination code, the most failed runs first (ties by code, null last).")
    def by_termination_code(
        self, first: Annotated[int, strawberry.argument(description=f"How many groups, 1 to {MAX_GROUPS}.")]
    ) -> list[FailureGroup]:
        return self.code_groups[:page_size(first, MAX_GROUPS)]

    @strawberry.field(description="Groups by termination type (CLIENT_ERROR, INTERNAL_ERROR, CLOUD_FAILURE, ...), "
                                  "the most failed runs first.")
    def by_termination_type(
        self, first: Annotated[int, strawberry.argument(description=f"How many groups, 1 to {MAX_GROUPS}.")]
    ) -> list[FailureGroup]:
        return self.type_groups[:page_size(first, MAX_GROUPS)]


def _groups(rows: list[dict], dimension: str) -> list[FailureGroup]:
    mine = [row for row in rows if row["dimension"] == dimension]
    jobs: dict = {}
    runs: dict = {}
    for row in mine:
        if row["row_kind"] == "job":
            jobs.setdefault(row["group_key"], []).append(row)
        elif row["row_kind"] == "run":
            runs.setdefault(row["group_key"], []).append(row)
    groups = [
        FailureGroup(
            key=row["group_key"], failed_runs=row["runs"], job_count=row["jobs"],
            failing_jobs=[FailingJob(failed_runs=j["runs"], job_key=job_key(j))
                  for j in sorted(jobs.get(row["group_key"], []), key=lambda j: (-j["runs"], job_key(j)))],
            run_keys=tuple(run_key(r) for r in sorted(runs.get(row["group_key"], []),
                                                      key=lambda r: (r["start_time"], r["run_id"]), reverse=True)),
        )
        for row in mine if row["row_kind"] == "group"
    ]
    return sorted(groups, key=lambda g: (-g.failed_runs, g.key is None, g.key or ""))


async def resolve_failures(info: Info, window: TimeWindowInput | None) -> FailureBreakdown:
    span = resolve_window(window, info.context.now)
    rows = await info.context.loaders.failures.load(FailuresQuery(span))
    by_code = _groups(rows, "CODE")
    return FailureBreakdown(
        window=TimeWindow(start=span.start, end=span.end),
        failed_runs=sum(group.failed_runs for group in by_code),
        code_groups=by_code, type_groups=_groups(rows, "TYPE"),
    )


__all__ = ["FailureBreakdown", "resolve_failures"]
