"""RunStats: how a job's runs went in a window."""

from __future__ import annotations

import strawberry

from gql_monitor.graphql.types.common import FAILED_STATES, TimeWindow
from gql_monitor.questions.windows import Window


@strawberry.type(description="Runs with one result state.")
class ResultStateCount:
    result_state: str | None = strawberry.field(description="Null counts runs still in progress.")
    count: int = strawberry.field(description="How many runs have this result state.")


@strawberry.type(description="Duration percentiles over finished runs, in seconds (continuous percentiles).")
class DurationStats:
    p50: float | None = strawberry.field(description="Median duration in seconds; null with no finished runs.")
    p90: float | None = strawberry.field(description="90th percentile duration in seconds; null with no finished runs.")
    p95: float | None = strawberry.field(description="95th percentile duration in seconds; null with no finished runs.")
    max: float | None = strawberry.field(description="Longest duration in seconds; null with no finished runs.")


@strawberry.type(description="A job's runs that started in a window.")
class RunStats:
    window: TimeWindow = strawberry.field(description="The window the counted runs started in.")
    total_runs: int = strawberry.field(description="All runs that started in the window, in progress included.")
    succeeded: int = strawberry.field(description="Runs whose result state is SUCCEEDED.")
    failed: int = strawberry.field(description="FAILED, ERROR and TIMED_OUT runs.")
    in_progress: int = strawberry.field(description="Runs with no end row yet (running, or the tables lag).")
    success_rate: float | None = strawberry.field(description="succeeded / finished runs; null with none finished.")
    by_result_state: list[ResultStateCount] = strawberry.field(
        description="Run counts per result state (system tables' vocabulary) that occurs, by state name; the "
        "in-progress count (null state) last."
    )
    duration: DurationStats = strawberry.field(
        description="Duration percentiles over the finished runs: run_duration_seconds, else the sum of the run's "
        "slices."
    )

    @classmethod
    def from_rows(cls, rows: list[dict], window: Window) -> "RunStats":
        counts = {row["result_state"]: row["runs"] for row in rows}
        total = sum(counts.values())
        in_progress = counts.get(None, 0)
        finished = total - in_progress
        succeeded = counts.get("SUCCEEDED", 0)
        first = rows[0] if rows else {}

        def seconds(name: str) -> float | None:
            value = first.get(name)
            return float(value) if value is not None else None

        return cls(
            window=TimeWindow(start=window.start, end=window.end),
            total_runs=total,
            succeeded=succeeded,
            failed=sum(counts.get(state, 0) for state in FAILED_STATES),
            in_progress=in_progress,
            success_rate=succeeded / finished if finished else None,
            by_result_state=[
                ResultStateCount(result_state=state, count=n)
                for state, n in sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or ""))
            ],
            duration=DurationStats(
                p50=seconds("p50_seconds"), p90=seconds("p90_seconds"), p95=seconds("p95_seconds"),
                max=seconds("max_seconds"),
            ),
        )
