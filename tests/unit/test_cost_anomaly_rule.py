"""The cost anomaly verdict in exact decimals, from the statement's candidate and usage rows."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from gql_monitor.insights.cost_anomalies import judge

START = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _usage(run: str, quantity: str, price: str = "0.15") -> dict:
    return {"row_kind": "usage", "workspace_id": "1", "job_id": "9", "run_id": run, "usage_date": date(2026, 11, 1),
            "sku_name": "JOBS", "usage_unit": "DBU", "currency_code": "USD", "unit_price": Decimal(price),
            "quantity": Decimal(quantity)}


def _candidate(run: str, lo: str, hi: str, tenths: int, others: int = 12) -> dict:
    return {"row_kind": "anomaly", "workspace_id": "1", "job_id": "9", "run_id": run, "start_time": START,
            "lo_run_id": lo, "hi_run_id": hi, "tenths": tenths, "others": others}


def test_the_p90_is_interpolated_exactly_between_the_two_baseline_runs():
    rows = [_candidate("7", "1", "2", 3), _usage("7", "100"), _usage("1", "10"), _usage("2", "20"),
            {"row_kind": "billing", "billed_through": START}]
    (anomaly,) = judge(rows, 2.0)
    # p90 = 1.5 + (3.0 - 1.5) × 0.3 = 1.95; the run cost 15.
    assert anomaly.baseline_p90 == Decimal("1.95") and anomaly.cost == Decimal("15.00")
    assert anomaly.ratio == float(Decimal(15) / Decimal("1.95")) and anomaly.baseline_runs == 12
    assert (anomaly.job, anomaly.run, anomaly.started_at) == ("1:9", "1:7", START)


def test_a_candidate_at_or_under_the_factor_in_exact_decimals_is_dropped():
    # The statement's approximate cut lets through a run exactly at 2× the p90: not more than the factor.
    rows = [_candidate("7", "1", "1", 0), _usage("7", "20"), _usage("1", "10")]
    assert judge(rows, 2.0) == []
    assert len(judge(rows, 1.99)) == 1


def test_a_baseline_that_cost_nothing_judges_nothing():
    rows = [_candidate("7", "1", "2", 5), _usage("7", "20")]
    assert judge(rows, 2.0) == []
