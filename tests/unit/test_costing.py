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


# What a cost figure is worth: the cost statements' activity and billing rows (docs/metrics.md, "Unknown is never
# zero"). The stand-in plants no job mixing all-purpose and job compute, so the mixed case is pinned here.

from datetime import datetime, timedelta, timezone  # noqa: E402

from gql_monitor.costing import SubjectCosts  # noqa: E402
from gql_monitor.graphql.types.common import OPEN, CostAttribution, cost_from_summary  # noqa: E402
from gql_monitor.graphql.types.job import job_billing_horizon  # noqa: E402
from gql_monitor.questions.windows import Window  # noqa: E402

T0 = datetime(2026, 11, 20, tzinfo=timezone.utc)


def activity(key, task_runs, all_purpose=0, open_=0, last_end=None):
    return {"row_kind": "activity", "key": key, "task_runs": task_runs, "all_purpose_task_runs": all_purpose,
            "open_task_runs": open_, "last_end": last_end}


def usage(key, quantity, price):
    return {**row(quantity, price), "row_kind": "usage", "key": key}


BILLING = {"row_kind": "billing", "key": None, "billed_through": T0 + timedelta(hours=10)}


def test_subject_costs_sort_rows_by_kind_and_every_subject_knows_how_far_billing_is():
    costs = SubjectCosts([usage("a", "2", "0.5"), activity("a", 3, last_end=T0), activity("b", 1, 1), BILLING],
                         lambda r: r["key"])
    assert costs.of("a").amount == Decimal(1) and costs.of("a").task_runs == 3
    assert costs.of("b").all_purpose_task_runs == 1
    assert costs.of("nothing").amount == 0 and costs.of("nothing").task_runs == 0
    assert {costs.of(k).billed_through for k in ("a", "b", "nothing")} == {BILLING["billed_through"]}


def test_attribution_is_not_attributable_only_when_every_task_run_used_all_purpose_compute():
    def cost(*rows):
        summary = SubjectCosts([*rows, BILLING], lambda r: r["key"]).of("j")
        return cost_from_summary(summary, Window(T0, T0 + timedelta(days=1)), CostAttribution.JOB_USAGE, None)

    all_of_it = cost(activity("j", 4, all_purpose=4))
    assert all_of_it.attribution is CostAttribution.NOT_ATTRIBUTABLE
    assert all_of_it.not_attributable_reason.value == "ALL_PURPOSE_COMPUTE"
    mixed = cost(activity("j", 4, all_purpose=1), usage("j", "2", "0.5"))
    assert mixed.attribution is CostAttribution.JOB_USAGE
    assert mixed.not_attributable_reason.value == "ALL_PURPOSE_COMPUTE" and mixed.list_cost.amount == Decimal(1)
    plain = cost(activity("j", 4), usage("j", "2", "0.5"))
    assert plain.attribution is CostAttribution.JOB_USAGE and plain.not_attributable_reason is None


def test_a_job_is_complete_once_billing_reaches_its_latest_task_run_or_the_window_end_while_one_is_open():
    end = T0 + timedelta(days=1)
    billed = BILLING["billed_through"]

    def complete(*rows):
        summary = SubjectCosts([*rows, BILLING], lambda r: r["key"]).of("j")
        return cost_from_summary(summary, Window(T0, end), CostAttribution.JOB_USAGE,
                                 job_billing_horizon(summary, end)).complete

    assert complete() is True, "ran nothing: nothing to wait for"
    assert complete(activity("j", 2, last_end=billed)) is True
    assert complete(activity("j", 2, last_end=billed + timedelta(minutes=1))) is False
    assert complete(activity("j", 2, open_=1, last_end=billed - timedelta(hours=3))) is False, "a task run is open"
    assert complete(usage("j", "1", "1")) is False, "usage but no task run: wait for the window's end"
    summary = SubjectCosts([BILLING], lambda r: r["key"]).of("r")
    assert cost_from_summary(summary, Window(T0, end), CostAttribution.JOB_RUN_USAGE, OPEN).complete is False
