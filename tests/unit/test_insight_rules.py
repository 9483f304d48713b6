"""The duration, SLA and schedule rules as pure functions (gql_monitor/insights/), on hand-made rows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gql_monitor.insights import durations, schedule_adherence, sla
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.questions.windows import Window

UTC = timezone.utc
T = Thresholds()


@pytest.mark.parametrize("value, minutes", [("240", 240), (" 30 ", 30), ("1", 1), ("525600", 525600)])
def test_a_whole_number_of_minutes_is_the_target(value, minutes):
    assert sla.sla_target({"sla_minutes": value}, T) == sla.SlaTarget(minutes, "TAG")


@pytest.mark.parametrize("value", ["", "abc", "0", "-5", "1e3", "90.5", "525601", "NaN", "Infinity", "٣٠",
                                   "30; DROP TABLE jobs", "3" * 5000, "30\x00", "0x1E"])
def test_a_hostile_tag_is_ignored_and_said_so(value):
    found = sla.sla_target({"sla_minutes": value}, T)
    assert (found.minutes, found.source) == (None, None)
    assert "not a whole number of minutes" in found.tag_problem
    with_default = sla.sla_target({"sla_minutes": value}, Thresholds(default_sla_minutes=45))
    assert (with_default.minutes, with_default.source) == (45, "SETTING") and with_default.tag_problem


def test_no_tag_and_no_default_is_no_sla():
    assert sla.sla_target({}, T) == sla.SlaTarget(None, None)
    assert sla.sla_target(None, Thresholds(sla_tag="x", default_sla_minutes=5)) == sla.SlaTarget(5, "SETTING")


def _spans():
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return durations.duration_spans(now, T)


def test_a_regression_needs_enough_runs_on_both_sides():
    row = {"recent_runs": 5, "baseline_runs": 4, "recent_p50_seconds": 200.0, "baseline_p50_seconds": 100.0}
    assert not durations.trend(row, _spans(), T).regressed
    assert durations.trend({**row, "baseline_runs": 5}, _spans(), T).regressed
    assert not durations.trend({**row, "baseline_runs": 5, "recent_p50_seconds": 149.0}, _spans(), T).regressed
    assert durations.trend({**row, "baseline_p50_seconds": 0.0}, _spans(), T).ratio is None
    assert durations.trend(None, _spans(), T).ratio is None


def test_outliers_and_longer_than_usual():
    assert durations.outlier(151.0, 100.0, 5, T).outlier
    assert not durations.outlier(150.0, 100.0, 5, T).outlier
    assert not durations.outlier(1000.0, 100.0, 4, T).outlier  # too few baseline runs to judge
    assert durations.outlier(None, 100.0, 5, T).ratio is None
    assert durations.longer_than_usual(101, 100.0, 5, T) and not durations.longer_than_usual(100, 100.0, 5, T)
    assert not durations.longer_than_usual(10_000, None, 0, T)


def _version(at, paused, latest=False, cron="0 0 * * * ?", zone="UTC", created=datetime(2026, 1, 1, tzinfo=UTC),
             deleted=None):
    return {"row_kind": "version", "workspace_id": "1", "job_id": "9", "at": at, "paused": paused,
            "quartz_cron_expression": cron, "timezone_id": zone, "created_time": created, "delete_time": deleted,
            "latest": latest, "run_id": None}


def _start(at, run):
    return {"row_kind": "start", "workspace_id": "1", "job_id": "9", "at": at, "run_id": str(run)}


def _fresh(through):
    return {"row_kind": "freshness", "at": through, "timeline_from": datetime(2026, 1, 1, tzinfo=UTC)}


def test_hourly_fires_are_matched_late_and_missed():
    day = datetime(2026, 6, 1, tzinfo=UTC)
    rows = [_version(day - timedelta(days=30), False, latest=True), _fresh(day + timedelta(hours=5))]
    rows += [_start(day + timedelta(seconds=20), 1), _start(day + timedelta(hours=1, minutes=30), 2),
             _start(day + timedelta(hours=3, seconds=5), 3)]
    found = schedule_adherence.adherence(rows, Window(day, day + timedelta(hours=4)), T)
    assert found.on_time == 2  # 00:00 and 03:00
    assert [(s.fire, s.delay_seconds) for s in found.late] == [(day + timedelta(hours=1), 1800.0)]
    assert found.missed == (day + timedelta(hours=2),)
    assert found.fires_pending == 0


def test_paused_periods_and_recent_fires_are_not_judged():
    day = datetime(2026, 6, 1, tzinfo=UTC)
    rows = [_version(day - timedelta(days=30), None), _version(day + timedelta(minutes=30), True),
            _version(day + timedelta(hours=2, minutes=30), False, latest=True), _fresh(day + timedelta(hours=3, minutes=30))]
    found = schedule_adherence.adherence(rows, Window(day, day + timedelta(hours=5)), T)
    # 00:00 (not recorded as paused: counts as running, no run: missed), 01:00 and 02:00 paused, 03:00 not yet
    # caught up (its wait ends 04:00), 04:00 too
    assert found.missed == (day,)
    assert (found.fires_paused, found.fires_pending) == (2, 2)


def test_a_dst_switch_day_allows_an_hour_either_side():
    # New York falls back on 1 November 2026: a schedule may run an hour off the instant Quartz computes.
    fire = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, the later of the two 01:30s
    rows = [_version(fire - timedelta(days=30), False, latest=True, cron="0 30 1 * * ?", zone="America/New_York"),
            _fresh(fire + timedelta(days=2)), _start(fire - timedelta(hours=1) + timedelta(seconds=30), 1)]
    found = schedule_adherence.adherence(rows, Window(fire - timedelta(hours=2), fire + timedelta(hours=2)), T)
    assert (found.on_time, found.late, found.missed) == (1, (), ())


def test_a_schedule_quartz_refuses_is_reported_not_raised():
    day = datetime(2026, 6, 1, tzinfo=UTC)
    rows = [_version(day, False, latest=True, cron="0 0 25 * * ?"), _fresh(day + timedelta(days=1))]
    found = schedule_adherence.adherence(rows, Window(day, day + timedelta(hours=4)), T)
    assert found.problem and found.fires_judged == 0


def test_no_recorded_schedule_is_none():
    day = datetime(2026, 6, 1, tzinfo=UTC)
    assert schedule_adherence.adherence([_version(day, False, latest=True, cron=None)], Window(day, day), T) is None
