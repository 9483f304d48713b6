"""Money from usage: summed quantities times the unit price in force, in exact decimals.

The SQL returns usage quantities already summed per (group, day, SKU, unit price); the multiplication happens here,
once per price, so no engine's decimal rounding rules get a say in a cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Iterable

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

    def add(self, row: dict[str, Any]) -> None:
        quantity: Decimal = row["quantity"] or ZERO
        price: Decimal | None = row["unit_price"]
        sku = self.by_sku.setdefault(row["sku_name"], SkuSpend(row["sku_name"], row["usage_unit"]))
        sku.quantity += quantity
        if row["usage_unit"] == "DBU":
            self.dbus += quantity
            self.daily_dbus[row["usage_date"]] += quantity
        if price is None:
            self.unpriced_quantity += quantity
            return
        amount = quantity * price
        sku.amount += amount
        self.amount += amount
        self.daily[row["usage_date"]] += amount
        if row.get("currency_code"):
            self.currency = row["currency_code"]


def summarize(rows: Iterable[dict[str, Any]]) -> CostSummary:
    summary = CostSummary()
    for row in rows:
        summary.add(row)
    return summary
