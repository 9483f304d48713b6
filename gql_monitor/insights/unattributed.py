"""The unattributed share and its trend (docs/metrics.md, "Unattributed share"): spend on usage without a job id
over all spend, for the window and per UTC day, from the rows of `costs(groupBy: JOB)` for the same window, so the
figures are that breakdown's to the last digit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gql_monitor.costing import CostSummary
from gql_monitor.questions import Row
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class Unattributed:
    total: CostSummary
    unattributed: CostSummary
    billed_through: datetime | None
    days: list[date]


def window_days(window: Window) -> list[date]:
    """Every UTC day the window touches, oldest first."""
    last = (window.end - timedelta(microseconds=1)).date()
    return [window.start.date() + timedelta(days=n) for n in range((last - window.start.date()).days + 1)]


def summarize(rows: list[Row], window: Window) -> Unattributed:
    total, unattributed, billed = CostSummary(), CostSummary(), None
    for row in rows:
        if row["row_kind"] == "billing":
            billed = row["billed_through"]
            continue
        total.add(row)
        if not row["attributed_to_job"]:
            unattributed.add(row)
    return Unattributed(total, unattributed, billed, window_days(window))
