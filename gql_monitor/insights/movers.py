"""Biggest movers (docs/metrics.md, "Biggest movers"): each job's and each tag value's spend in the latest period
(7 or 30 days up to now) against the period of the same length before it, ranked by the exact change."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Hashable

from gql_monitor.costing import ZERO, CostSummary
from gql_monitor.questions import Row
from gql_monitor.questions.spend_movers import SpendMoversQuery
from gql_monitor.questions.windows import Window

PERIOD_DAYS = {"WEEK": 7, "MONTH": 30}


def question(now: datetime, period: str, tag_key: str | None) -> SpendMoversQuery:
    # Sliding periods ending at now, as "last 7 days vs the 7 before" reads; billing lag shortens the current one
    # (the answer says how far billing has got rather than moving the periods with it).
    length = timedelta(days=PERIOD_DAYS[period])
    return SpendMoversQuery(Window(now - 2 * length, now - length), Window(now - length, now), tag_key)


@dataclass(frozen=True)
class Move:
    current: Decimal
    previous: Decimal
    currency: str

    @property
    def change(self) -> Decimal:
        return self.current - self.previous

    @property
    def ratio(self) -> float | None:
        """The change relative to the previous period; None when there was nothing to compare with."""
        return float(self.change / self.previous) if self.previous else None


@dataclass(frozen=True)
class Movers:
    query: SpendMoversQuery
    billed_through: datetime | None
    total: Move
    unattributed: Move
    jobs: dict[str, Move]
    tags: dict[str | None, Move]


def movers(rows: list[Row], query: SpendMoversQuery) -> Movers:
    spend: dict[tuple[str, str | None], dict[str, CostSummary]] = defaultdict(lambda: defaultdict(CostSummary))
    billed = None
    for row in rows:
        if row["row_kind"] == "billing":
            billed = row["billed_through"]
        else:
            spend[(row["kind"], row["subject"])][row["period"]].add(row)

    def move(periods: dict[str, CostSummary]) -> Move:
        current, previous = periods.get("current", CostSummary()), periods.get("previous", CostSummary())
        return Move(current.amount, previous.amount, current.currency if "current" in periods else previous.currency)

    by_kind: dict[str, dict] = defaultdict(dict)
    for (kind, subject), periods in spend.items():
        by_kind[kind][subject] = move(periods)
    nothing = Move(ZERO, ZERO, "USD")
    return Movers(query, billed, by_kind["total"].get("", nothing), by_kind["unattributed"].get("", nothing),
                  by_kind["job"], by_kind["tag"])


def _order(key: Hashable) -> tuple:
    return (key is None, key or "")


def up(moves: dict, first: int) -> list[tuple]:
    """The largest increases first, then by key (the group without a value last); unchanged subjects are in neither
    list."""
    rising = [(k, m) for k, m in moves.items() if m.change > 0]
    return sorted(rising, key=lambda km: (-km[1].change, _order(km[0])))[:first]


def down(moves: dict, first: int) -> list[tuple]:
    """The largest decreases first, then by key."""
    falling = [(k, m) for k, m in moves.items() if m.change < 0]
    return sorted(falling, key=lambda km: (km[1].change, _order(km[0])))[:first]
