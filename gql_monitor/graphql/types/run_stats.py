"""RunStats: how a job's runs went in a window."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gql_monitor.graphql.types.common import TimeWindow

FAILED_STATES = ("FAILED", "ERROR", "TIMED_OUT")


@strawberry.type(description="Runs with one result state.")
class ResultStateCount:
    result_state: str | None = strawberry.field(description="Null counts runs still in progress.")
    count: int


@strawberry.type(description="Duration percentiles over finished runs, in seconds (continuous percentiles).")
class DurationStats:
    p50: float | None
    p90: float | None
    p95: float | None
    max: float | None


@strawberry.type(description="A job's runs that started in a window.")
class RunStats:
    window: TimeWindow
    total_runs: int
    succeeded: int
    failed: int = strawberry.field(description="FAILED, ERROR and TIMED_OUT runs.")
    in_progress: int
    success_rate: float | None = strawberry.field(description="succeeded / finished runs; null with none finished.")
    by_result_state: list[ResultStateCount]
    duration: DurationStats

    @classmethod
    def from_rows(cls, rows: list[dict], start: datetime, end: datetime) -> "RunStats":
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
            window=TimeWindow(start=start, end=end),
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
