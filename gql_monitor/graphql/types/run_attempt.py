"""RunAttempt: one execution of a job run — the original, or a repair under the same run id."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.types.common import Cost, CostAttribution, run_cost

if TYPE_CHECKING:
    from gql_monitor.graphql.types.run import Run
    from gql_monitor.graphql.types.task_run import TaskRun


@strawberry.type(description="One attempt of a run: the original execution (number 1) or a repair (2, 3, ...), "
                             "from the run's timeline slices up to and including its end row.")
class RunAttempt:
    number: int = strawberry.field(description="1 for the original execution, 2 for the first repair, and so on.")
    start_time: datetime = strawberry.field(description="Start of the attempt's first timeline slice (UTC).")
    end_time: datetime | None = strawberry.field(
        description="End of the attempt's end row (UTC); null while it runs."
    )
    in_progress: bool = strawberry.field(description="No end row yet (running, or the tables have not caught up).")
    duration_seconds: int | None = strawberry.field(
        description="The attempt's own duration: run_duration_seconds of its end row when recorded, else the sum "
        "of its slices (so far, while it runs)."
    )
    result_state: str | None = strawberry.field(
        description="The attempt's outcome (SUCCEEDED, FAILED, ERROR, ...); null while in progress."
    )
    termination_code: str | None = strawberry.field(
        description="Why the attempt ended, in the system tables' vocabulary; null while in progress."
    )
    termination_type: str | None = strawberry.field(
        description="Category of the termination code (SUCCESS, CLIENT_ERROR, ...); null while in progress."
    )
    run: strawberry.Private["Run"]
    # Start of the next attempt: task runs that start before it (and at or after this one) are this attempt's.
    next_start: strawberry.Private[datetime | None]

    @classmethod
    def list_from(cls, attempts: list[dict] | None, run: "Run") -> list["RunAttempt"]:
        ordered = sorted(attempts or [], key=lambda a: a["number"])
        return [
            cls(
                number=a["number"], start_time=a["start_time"], end_time=a["end_time"],
                in_progress=a["end_time"] is None, duration_seconds=a["duration_seconds"],
                result_state=a["result_state"], termination_code=a["termination_code"],
                termination_type=a["termination_type"], run=run,
                next_start=ordered[i + 1]["start_time"] if i + 1 < len(ordered) else None,
            )
            for i, a in enumerate(ordered)
        ]

    @strawberry.field(description="The task runs of this attempt (those that started while it ran): for a repair, "
                                  "the tasks it re-ran; for the original, every task it ran, failed ones included.")
    async def tasks(
        self, info: Info
    ) -> list[Annotated["TaskRun", strawberry.lazy("gql_monitor.graphql.types.task_run")]]:
        return [
            task for task in await self.run.task_runs(info)
            if task.start_time >= self.start_time and (self.next_start is None or task.start_time < self.next_start)
        ]

    @strawberry.field(description="Spend of this attempt: the run's usage on compute only this attempt used (each "
                                  "attempt gets its own job cluster), else the run's usage in the hours it ran. Null "
                                  "when the run's usage cannot be split: serverless or shared compute billed for an "
                                  "hour in which this attempt and the one before or after it both ran.")
    async def cost(self, info: Info) -> Cost | None:
        summary = (await info.context.loaders.cost_by_run_attempt.load(self.run.ref)).of(self.number)
        if summary is None:
            return None
        return run_cost(summary, CostAttribution.JOB_RUN_USAGE, self.start_time, self.end_time, info.context.now)
