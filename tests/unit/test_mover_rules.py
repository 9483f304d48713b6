"""Biggest movers, untagged spend and the unattributed share, in exact decimals, from statement-shaped rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from gql_monitor.insights import movers, unattributed, untagged
from gql_monitor.questions.windows import Window

NOW = datetime(2026, 11, 20, 12, 5, tzinfo=timezone.utc)
PRICE = Decimal("0.55")


def _usage(**fields) -> dict:
    return {"row_kind": "usage", "sku_name": "JOBS", "usage_unit": "DBU", "currency_code": "USD",
            "unit_price": PRICE, **fields}


def test_periods_are_the_same_length_back_to_back_ending_at_now():
    week = movers.question(NOW, "WEEK", None)
    assert week.current == Window(NOW - timedelta(days=7), NOW)
    assert week.previous == Window(NOW - timedelta(days=14), NOW - timedelta(days=7))
    month = movers.question(NOW, "MONTH", "team")
    assert month.previous.end == month.current.start and month.current.end - month.current.start == timedelta(30)
    params = month.params()
    assert (params["usage_start"], params["current_start"], params["usage_end"]) == \
        (NOW - timedelta(days=60), NOW - timedelta(days=30), NOW)


def test_movers_rank_exact_changes_and_leave_unchanged_subjects_out():
    def row(subject, period, quantity, kind="job"):
        return _usage(kind=kind, subject=subject, period=period, quantity=Decimal(quantity))

    rows = [row("1:1", "current", "10"), row("1:1", "previous", "4"),   # +3.3
            row("1:2", "current", "7"),                                  # new: +3.85, no ratio
            row("1:3", "previous", "2"),                                 # stopped: -1.1, ratio -1
            row("1:4", "current", "5"), row("1:4", "previous", "5"),    # unchanged
            row(None, "current", "1", "tag"), row("a", "previous", "1", "tag"),
            {"row_kind": "billing", "billed_through": NOW - timedelta(hours=1)}]
    report = movers.movers(rows, movers.question(NOW, "WEEK", "team"))
    assert [k for k, _ in movers.up(report.jobs, 10)] == ["1:2", "1:1"]
    assert [k for k, _ in movers.down(report.jobs, 10)] == ["1:3"]
    assert movers.up(report.jobs, 1)[0][0] == "1:2"
    assert report.jobs["1:1"].change == Decimal("3.30") and report.jobs["1:1"].ratio == 1.5
    assert report.jobs["1:2"].ratio is None and report.jobs["1:3"].ratio == -1.0
    # The group without the tag's value is ranked like any other.
    assert [k for k, _ in movers.up(report.tags, 10)] == [None]
    assert [k for k, _ in movers.down(report.tags, 10)] == ["a"]
    assert report.total.change == 0 and report.billed_through == NOW - timedelta(hours=1)


def test_untagged_spend_splits_each_job_by_its_usage_records_tags():
    def row(subject, is_untagged, without_key, quantity):
        return _usage(subject=subject, untagged=is_untagged, without_key=without_key, quantity=Decimal(quantity))

    report = untagged.summarize([row("1:1", True, True, "4"), row("1:2", False, True, "6"),
                                 row("1:2", False, False, "10"), row("1:3", False, False, "1"),
                                 {"row_kind": "billing", "billed_through": NOW}])
    assert report.jobs_total.spend.amount == Decimal("21") * PRICE
    assert report.jobs_total.untagged.amount == 4 * PRICE
    assert report.jobs_total.without_key.amount == 10 * PRICE
    assert [k for k, _ in untagged.top(report.jobs, "untagged", 10)] == ["1:1"]
    assert [k for k, _ in untagged.top(report.jobs, "without_key", 10)] == ["1:2", "1:1"]


def test_the_unattributed_days_are_every_day_the_window_touches():
    window = Window(datetime(2026, 11, 3, 6, tzinfo=timezone.utc), datetime(2026, 11, 5, tzinfo=timezone.utc))
    rows = [_usage(attributed_to_job=False, usage_date=date(2026, 11, 3), quantity=Decimal(1)),
            _usage(attributed_to_job=True, usage_date=date(2026, 11, 3), quantity=Decimal(3))]
    report = unattributed.summarize(rows, window)
    assert report.days == [date(2026, 11, 3), date(2026, 11, 4)]
    assert report.unattributed.daily[date(2026, 11, 3)] / report.total.daily[date(2026, 11, 3)] == Decimal("0.25")
