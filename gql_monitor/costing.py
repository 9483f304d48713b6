"""Money from usage: summed quantities times the unit price in force, in exact decimals.

The SQL returns usage quantities already summed per (group, day, SKU, unit price); the multiplication happens here,
once per price, so no engine's decimal rounding rules get a say in a cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Callable, Hashable, Iterable

ZERO = Decimal(0)
# Amounts are reported to a millionth of a currency unit; totals are computed before this rounding.
AMOUNT_QUANTUM = Decimal("0.000001")


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_EVEN)


@dataclass
class SkuSpend:
    sku_name: str
    usage_unit: str
    quantity: Decimal = ZERO
    amount: Decimal = ZERO


@dataclass
class CostSummary:
    """Spend of one subject (a job, a run, a group) in a window."""

    currency: str = "USD"
    dbus: Decimal = ZERO
    amount: Decimal = ZERO
    # Quantity with no list price in force: shown, never silently priced at zero.
    unpriced_quantity: Decimal = ZERO
    by_sku: dict[str, SkuSpend] = field(default_factory=dict)
    daily: dict[date, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    daily_dbus: dict[date, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    # What the task run timeline says about the subject in the window (sql/_task_activity.sql): how many task runs,
    # how many of them used all-purpose compute (whose usage carries no job id), how many have no end row yet, and
    # when the latest one ended. Only task runs: `exclusive_clusters` is how many clusters it used alone.
    task_runs: int = 0
    all_purpose_task_runs: int = 0
    open_task_runs: int = 0
    last_end: datetime | None = None
    exclusive_clusters: int = 0
    # End of the newest usage record in system.billing.usage: usage after it is not billed yet.
    billed_through: datetime | None = None

    def add_activity(self, row: dict[str, Any]) -> None:
        self.task_runs += row["task_runs"] or 0
        self.all_purpose_task_runs += row["all_purpose_task_runs"] or 0
        self.open_task_runs += row["open_task_runs"] or 0
        self.exclusive_clusters += row.get("exclusive_clusters") or 0
        if row["last_end"] is not None and (self.last_end is None or row["last_end"] > self.last_end):
            self.last_end = row["last_end"]

    def add(self, row: dict[str, Any]) -> None:
        quantity: Decimal = row["quantity"] or ZERO
        price: Decimal | None = row["unit_price"]
        # Statements that sum over days (a period's spend) return no usage_date: their rows have no daily split.
        day = row.get("usage_date")
        sku = self.by_sku.setdefault(row["sku_name"], SkuSpend(row["sku_name"], row["usage_unit"]))
        sku.quantity += quantity
        if row["usage_unit"] == "DBU":
            self.dbus += quantity
            if day is not None:
                self.daily_dbus[day] += quantity
        if price is None:
            self.unpriced_quantity += quantity
            return
        amount = quantity * price
        sku.amount += amount
        self.amount += amount
        if day is not None:
            self.daily[day] += amount
        if row.get("currency_code"):
            self.currency = row["currency_code"]


def share(part: Decimal, whole: Decimal) -> float | None:
    """`part` / `whole` from the exact amounts; None when there is no whole to share."""
    return float(part / whole) if whole else None


def summarize(rows: Iterable[dict[str, Any]]) -> CostSummary:
    summary = CostSummary()
    for row in rows:
        summary.add(row)
    return summary


class SubjectCosts:
    """The cost statements' rows sorted out per subject (job, run, task run): `usage` rows are money, `activity` rows
    what the timeline says about the subject, and the one `billing` row how far billing has caught up."""

    def __init__(self, rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Hashable]) -> None:
        self.billed_through: datetime | None = None
        self._by_key: dict[Hashable, CostSummary] = {}
        for row in rows:
            kind = row["row_kind"]
            if kind == "billing":
                self.billed_through = row["billed_through"]
            elif kind == "activity":
                self._summary(key(row)).add_activity(row)
            else:
                self._summary(key(row)).add(row)
        for summary in self._by_key.values():
            summary.billed_through = self.billed_through

    def _summary(self, key: Hashable) -> CostSummary:
        return self._by_key.setdefault(key, CostSummary())

    def keys(self):
        return self._by_key.keys()

    def of(self, key: Hashable) -> CostSummary:
        """The subject's summary; a subject with neither usage nor activity cost nothing, as far as billing knows."""
        return self._by_key.get(key) or CostSummary(billed_through=self.billed_through)
