from datetime import date
from decimal import Decimal

from gql_monitor.costing import quantize, summarize


def row(quantity, price, sku="PREMIUM_JOBS_COMPUTE", day=date(2026, 11, 1), unit="DBU"):
    return {"quantity": Decimal(quantity), "unit_price": None if price is None else Decimal(price), "sku_name": sku,
            "usage_unit": unit, "usage_date": day, "currency_code": "USD"}


def test_each_quantity_is_priced_at_its_own_price_exactly():
    summary = summarize([row("10.5", "0.15"), row("4.25", "0.20")])
    assert summary.amount == Decimal("10.5") * Decimal("0.15") + Decimal("4.25") * Decimal("0.20")
    assert summary.dbus == Decimal("14.75")


def test_retractions_cancel_and_unpriced_usage_is_kept_apart():
    summary = summarize([row("3", "0.1"), row("-3", "0.1"), row("2", None, sku="NEW_SKU")])
    assert summary.amount == 0
    assert summary.unpriced_quantity == Decimal(2)
    assert summary.by_sku["NEW_SKU"].quantity == Decimal(2)


def test_float_free_sums_survive_many_small_rows():
    rows = [row("0.000000000000000001", "0.1")] * 1000
    assert summarize(rows).amount == Decimal("0.0000000000000001")
    assert quantize(Decimal("1.0000005")) == Decimal("1.000000")  # half-even
