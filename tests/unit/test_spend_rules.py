"""The spend spike verdict and the month-end forecast's arithmetic, in exact decimals, from statement-shaped rows."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from gql_monitor.insights.forecast import forecast, month_of, ranked
from gql_monitor.insights.spend_spikes import judge
from gql_monitor.questions.spend_spikes import SpendSpikeRule


def _day(subject: str, day: date, quantity: str, kind: str | None = None) -> dict:
    row = {"row_kind": "usage", "subject": subject, "usage_date": day, "sku_name": "JOBS", "usage_unit": "DBU",
           "currency_code": "USD", "unit_price": Decimal("0.5"), "quantity": Decimal(quantity)}
    return {**row, "kind": kind} if kind else row


def test_a_spike_is_judged_against_the_mean_of_the_two_middle_days():
    rows = [{"row_kind": "spike", "subject": "1:9", "usage_date": date(2026, 11, 10), "low_date": date(2026, 11, 3),
             "high_date": date(2026, 11, 4), "baseline_days": 10},
            _day("1:9", date(2026, 11, 10), "500"), _day("1:9", date(2026, 11, 3), "100"),
            _day("1:9", date(2026, 11, 4), "140")]
    (spike,) = judge(rows, SpendSpikeRule(2.0, 14, 100))
    # median = (50 + 70) / 2 = 60; the day 250: over 2 × 60 and 190 above it.
    assert (spike.job, spike.amount, spike.baseline_median, spike.baseline_days) == ("1:9", 250, 60, 10)
    assert judge(rows, SpendSpikeRule(2.0, 14, 191)) == []  # not far enough above the median
    assert judge(rows, SpendSpikeRule(5.0, 14, 0)) == []  # 250 is not more than 5 × 60


def test_the_account_is_the_empty_subject():
    rows = [{"row_kind": "spike", "subject": "", "usage_date": date(2026, 11, 10), "low_date": date(2026, 11, 3),
             "high_date": date(2026, 11, 3), "baseline_days": 7},
            _day("", date(2026, 11, 10), "30"), _day("", date(2026, 11, 3), "10")]
    (spike,) = judge(rows, SpendSpikeRule(2.0, 14, 0))
    assert spike.job is None and spike.ratio == 3.0


def test_the_month_wraps_at_the_year_end():
    december = month_of(datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc))
    assert (december.start, december.end) == (datetime(2026, 12, 1, tzinfo=timezone.utc),
                                               datetime(2027, 1, 1, tzinfo=timezone.utc))


def test_the_forecast_projects_the_trailing_average_over_the_unbilled_rest_of_the_month():
    now = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    billed = datetime(2026, 11, 28, 6, tzinfo=timezone.utc)
    rows = [{"row_kind": "billing", "billed_through": billed},
            _day("", date(2026, 10, 31), "1000", "total"),  # before the month: only a trailing day could use it
            _day("", date(2026, 11, 1), "20", "total"),
            _day("", date(2026, 11, 26), "40", "total"),
            _day("", date(2026, 11, 27), "80", "total"),
            _day("", date(2026, 11, 28), "6", "total")]
    f = forecast(rows, now, 3)
    assert f.trailing == [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)]
    assert f.remaining_days == Decimal("2.75") and f.unbilled_days == Decimal("0.25")
    # so far: 10 + 20 + 40 + 3 = 73; trailing days 0, 20, 40: rate 20, range 0..40, over 2.75 days.
    assert (f.total.spent_so_far, f.total.daily_rate) == (Decimal(73), Decimal(20))
    assert (f.total.projected, f.total.low, f.total.high) == (Decimal(128), Decimal(73), Decimal(183))
    assert f.unattributed.projected == 0


def test_ranking_keeps_the_group_without_a_value_last():
    values = {"a": 1, None: 5, "b": 3}

    class P:
        def __init__(self, v):
            self.projected = v

    assert [k for k, _ in ranked({k: P(v) for k, v in values.items()}, 1)] == ["b", None]
