"""Month-end forecast (docs/metrics.md, "Month-end forecast"): spend so far in the UTC calendar month of `now`, plus
the average daily spend of the latest fully billed days times the days billing has not covered yet, with a range
from the cheapest and the dearest of those days. Exact decimals throughout."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from gql_monitor.costing import ZERO, CostSummary
from gql_monitor.questions import Row
from gql_monitor.questions.spend_forecast import SpendForecastQuery
from gql_monitor.questions.windows import Window

DAY_SECONDS = Decimal(86400)
# How far billing may lag behind `now` and still have its trailing days read by the statement.
LAG_READ = timedelta(days=7)


def month_of(now: datetime) -> Window:
    start = datetime(now.year, now.month, 1, tzinfo=timezone.utc)
    end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=timezone.utc)
    return Window(start, end)


def question(now: datetime, trailing_days: int, tag_key: str | None) -> SpendForecastQuery:
    today = datetime.combine(now.date(), time(), tzinfo=timezone.utc)
    read_start = min(month_of(now).start, today - timedelta(days=trailing_days) - LAG_READ)
    return SpendForecastQuery(Window(read_start, now), tag_key)


@dataclass(frozen=True)
class Projection:
    spent_so_far: Decimal
    daily_rate: Decimal
    projected: Decimal
    low: Decimal
    high: Decimal
    currency: str


@dataclass
class Forecast:
    month: Window
    now: datetime
    billed_through: datetime | None
    trailing: list[date]
    remaining_days: Decimal
    unbilled_days: Decimal
    total: Projection
    unattributed: Projection
    jobs: dict[str, Projection]
    tags: dict[str | None, Projection]


def forecast(rows: list[Row], now: datetime, trailing_days: int) -> Forecast:
    month = month_of(now)
    billed = next((row["billed_through"] for row in rows if row["row_kind"] == "billing"), None)
    # The latest `trailing_days` UTC days billing covers whole: up to the day before billedThrough's day.
    last_full = (billed.date() if billed else now.date()) - timedelta(days=1)
    trailing = [last_full - timedelta(days=n) for n in range(trailing_days - 1, -1, -1)]
    covered = max(billed, month.start) if billed else month.end
    remaining = Decimal(int((month.end - min(covered, month.end)).total_seconds())) / DAY_SECONDS
    unbilled = Decimal(int((now - billed).total_seconds())) / DAY_SECONDS if billed else ZERO
    daily: dict[tuple[str, str | None], CostSummary] = defaultdict(CostSummary)
    for row in rows:
        if row["row_kind"] == "usage":
            daily[(row["kind"], row["subject"])].add(row)

    def project(summary: CostSummary) -> Projection:
        so_far = sum((a for d, a in summary.daily.items() if d >= month.start.date()), ZERO)
        days = [summary.daily.get(d, ZERO) for d in trailing]
        rate = sum(days, ZERO) / len(days)
        return Projection(so_far, rate, so_far + rate * remaining, so_far + min(days) * remaining,
                          so_far + max(days) * remaining, summary.currency)

    by_kind: dict[str, dict] = defaultdict(dict)
    for (kind, subject), summary in daily.items():
        by_kind[kind][subject] = project(summary)
    empty = project(CostSummary())
    return Forecast(month, now, billed, trailing, remaining, unbilled, by_kind["total"].get("", empty),
                    by_kind["unattributed"].get("", empty), by_kind["job"], by_kind["tag"])


def ranked(projections: dict, first: int) -> list:
    """The largest projections first, then by key; a None key (no value) is kept, last."""
    keyed = sorted(((k, p) for k, p in projections.items() if k is not None), key=lambda kp: (-kp[1].projected, kp[0]))
    out = keyed[:first]
    if None in projections:
        out.append((None, projections[None]))
    return out
