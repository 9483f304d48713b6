"""Quartz schedules evaluated in a time zone (gql_monitor/schedules.py).

Every expected instant below was worked out by hand from the calendar and the zone's offsets, written in the
comment beside it; none is produced by the code under test. Offsets used:
  Europe/Berlin        CET +01:00, CEST +02:00; 2024: CEST from 31 Mar 01:00 UTC (02:00 -> 03:00 local),
                       CET again from 27 Oct 01:00 UTC (03:00 -> 02:00 local).
  America/Los_Angeles  PST -08:00, PDT -07:00; 2024: PDT from 10 Mar 10:00 UTC (02:00 -> 03:00 local),
                       PST again from 3 Nov 09:00 UTC (02:00 -> 01:00 local).
The property tests compare against a minute-by-minute evaluator written here, which reads each UTC minute's local
fields; it shares nothing with the module but the DST rule being checked (see `brute_force`).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gql_monitor.local_workspace.gen_world import DOW_NAMES, Cron
from gql_monitor.schedules import ScheduleError, QuartzSchedule

UTC = timezone.utc
BERLIN = "Europe/Berlin"
LOS_ANGELES = "America/Los_Angeles"


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def fires(expression: str, zone: str, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
    return QuartzSchedule.parse(expression, zone).fire_times(start, end, limit)


# -- daylight saving time ------------------------------------------------------------------------------------------

def test_every_six_hours_in_berlin_across_spring_forward():
    # 03:15, 09:15, 15:15, 21:15 local. Saturday 30 March is CET (UTC+1); Sunday 31 March is CEST (UTC+2) from
    # 03:00 local on, so its 03:15 is 01:15 UTC: five hours after Saturday's 21:15 (20:15 UTC), not six.
    assert fires("0 15 3/6 * * ?", BERLIN, utc(2024, 3, 30), utc(2024, 4, 1)) == [
        utc(2024, 3, 30, 2, 15), utc(2024, 3, 30, 8, 15), utc(2024, 3, 30, 14, 15), utc(2024, 3, 30, 20, 15),
        utc(2024, 3, 31, 1, 15), utc(2024, 3, 31, 7, 15), utc(2024, 3, 31, 13, 15), utc(2024, 3, 31, 19, 15),
    ]


def test_every_six_hours_in_berlin_across_fall_back():
    # Saturday 26 October is CEST (UTC+2); Sunday 27 October's 03:15 is after the repeated 02:00-03:00 hour, CET
    # (UTC+1), so 02:15 UTC: seven hours after Saturday's 21:15 (19:15 UTC).
    assert fires("0 15 3/6 * * ?", BERLIN, utc(2024, 10, 26), utc(2024, 10, 28)) == [
        utc(2024, 10, 26, 1, 15), utc(2024, 10, 26, 7, 15), utc(2024, 10, 26, 13, 15), utc(2024, 10, 26, 19, 15),
        utc(2024, 10, 27, 2, 15), utc(2024, 10, 27, 8, 15), utc(2024, 10, 27, 14, 15), utc(2024, 10, 27, 20, 15),
    ]


def test_a_time_in_the_spring_forward_gap_does_not_fire_that_day():
    # 02:30 does not exist in Berlin on 31 March 2024. Quartz's lenient calendar reads it back as 03:30, which is
    # not hour 2, so the search moves on to 1 April (see the module docstring).
    assert fires("0 30 2 * * ?", BERLIN, utc(2024, 3, 29), utc(2024, 4, 2)) == [
        utc(2024, 3, 29, 1, 30),  # 02:30 CET
        utc(2024, 3, 30, 1, 30),  # 02:30 CET
        utc(2024, 4, 1, 0, 30),  # 02:30 CEST
    ]


def test_a_time_in_the_fall_back_overlap_fires_once_at_its_second_occurrence():
    # 02:30 happens twice in Berlin on 27 October 2024: 00:30 UTC (CEST) and 01:30 UTC (CET). Quartz's calendar
    # resolves the wall time with the standard-time offset, i.e. the later one.
    assert fires("0 30 2 * * ?", BERLIN, utc(2024, 10, 25), utc(2024, 10, 29)) == [
        utc(2024, 10, 25, 0, 30),  # 02:30 CEST
        utc(2024, 10, 26, 0, 30),  # 02:30 CEST
        utc(2024, 10, 27, 1, 30),  # 02:30 CET, the second 02:30
        utc(2024, 10, 28, 1, 30),  # 02:30 CET
    ]


def test_hourly_in_los_angeles_loses_the_missing_hour_and_fires_the_repeated_hour_once():
    hourly = QuartzSchedule.parse("0 30 * * * ?", LOS_ANGELES)
    # 10 March: 01:30 PST = 09:30 UTC, then 02:30 does not exist, then 03:30 PDT = 10:30 UTC. 23 fires that day.
    assert hourly.fire_times(utc(2024, 3, 10, 8), utc(2024, 3, 10, 12), 10) == [
        utc(2024, 3, 10, 8, 30), utc(2024, 3, 10, 9, 30), utc(2024, 3, 10, 10, 30), utc(2024, 3, 10, 11, 30)]
    assert len(hourly.fire_times(utc(2024, 3, 10, 8), utc(2024, 3, 11, 7), 100)) == 23  # local midnight to midnight
    # 3 November: 00:30 PDT = 07:30 UTC; 01:30 happens at 08:30 UTC (PDT) and 09:30 UTC (PST) and fires at the
    # second; then 02:30 PST = 10:30 UTC. Two hours without a fire, as Databricks' documentation warns. 24 fires.
    assert hourly.fire_times(utc(2024, 11, 3, 7), utc(2024, 11, 3, 11), 10) == [
        utc(2024, 11, 3, 7, 30), utc(2024, 11, 3, 9, 30), utc(2024, 11, 3, 10, 30)]
    assert len(hourly.fire_times(utc(2024, 11, 3, 7), utc(2024, 11, 4, 8), 100)) == 24


def test_a_half_hour_gap_drops_only_the_times_inside_it():
    # Australia/Lord_Howe goes from UTC+10:30 to UTC+11 on Sunday 6 October 2024 at 02:00 local (15:30 UTC on the
    # 5th): 02:00-02:29 does not exist that day, so 02:15 does not fire and 02:40 does.
    schedule = QuartzSchedule.parse("0 15,40 2 * * ?", "Australia/Lord_Howe")
    assert schedule.fire_times(utc(2024, 10, 4, 12), utc(2024, 10, 6, 18), 10) == [
        utc(2024, 10, 4, 15, 45),  # 5 October 02:15 +10:30
        utc(2024, 10, 4, 16, 10),  # 5 October 02:40 +10:30
        utc(2024, 10, 5, 15, 40),  # 6 October 02:40 +11
        utc(2024, 10, 6, 15, 15),  # 7 October 02:15 +11
        utc(2024, 10, 6, 15, 40),  # 7 October 02:40 +11
    ]
    # Walking backward must not pass over 6 October because its first time of day (02:15) is missing.
    assert schedule.previous_fire(utc(2024, 10, 5, 15, 42)) == utc(2024, 10, 5, 15, 40)


def test_previous_and_next_fire_step_over_the_gap_and_the_first_occurrence():
    daily = QuartzSchedule.parse("0 30 2 * * ?", BERLIN)
    assert daily.next_fire(utc(2024, 3, 30, 1, 30)) == utc(2024, 4, 1, 0, 30)  # strictly after; 31 March skipped
    assert daily.previous_fire(utc(2024, 4, 1, 0, 30)) == utc(2024, 3, 30, 1, 30)  # strictly before
    # At 00:45 UTC on 27 October the first 02:30 (00:30 UTC) is past but was never a fire time; the last fire was
    # 26 October's, and the next is the second 02:30.
    assert daily.previous_fire(utc(2024, 10, 27, 0, 45)) == utc(2024, 10, 26, 0, 30)
    assert daily.next_fire(utc(2024, 10, 27, 0, 15)) == utc(2024, 10, 27, 1, 30)


# -- the calendar --------------------------------------------------------------------------------------------------

def test_weekdays_jump_from_friday_to_monday():
    # Friday 8 March 2024 09:30 PST = 17:30 UTC; Monday 11 March 09:30 PDT = 16:30 UTC (DST began on the Sunday).
    assert fires("0 30 9 ? * MON-FRI", LOS_ANGELES, utc(2024, 3, 8, 17), utc(2024, 3, 12, 17)) == [
        utc(2024, 3, 8, 17, 30), utc(2024, 3, 11, 16, 30), utc(2024, 3, 12, 16, 30)]


@pytest.mark.parametrize("day_of_week", ["SUN", "sun", "1"])
def test_day_of_week_one_is_sunday_in_quartz(day_of_week):
    # 2 June 2024 is a Sunday. Unix cron would read "1" as Monday (3 June).
    assert fires(f"0 0 7 ? * {day_of_week}", "UTC", utc(2024, 6, 1), utc(2024, 6, 17)) == [
        utc(2024, 6, 2, 7), utc(2024, 6, 9, 7), utc(2024, 6, 16, 7)]


def test_day_of_week_seven_and_a_lone_l_are_saturday():
    # 1 and 8 June 2024 are Saturdays.
    for day_of_week in ("7", "SAT", "L"):
        assert fires(f"0 0 7 ? * {day_of_week}", "UTC", utc(2024, 6, 1), utc(2024, 6, 10)) == [
            utc(2024, 6, 1, 7), utc(2024, 6, 8, 7)]


def test_last_day_and_offsets_from_it():
    # 2024 is a leap year: the last days of January to April are the 31st, 29th, 31st and 30th.
    assert fires("0 0 12 L * ?", "UTC", utc(2024, 1, 1), utc(2024, 5, 1)) == [
        utc(2024, 1, 31, 12), utc(2024, 2, 29, 12), utc(2024, 3, 31, 12), utc(2024, 4, 30, 12)]
    assert fires("0 0 12 L-2 * ?", "UTC", utc(2024, 1, 1), utc(2024, 5, 1)) == [
        utc(2024, 1, 29, 12), utc(2024, 2, 27, 12), utc(2024, 3, 29, 12), utc(2024, 4, 28, 12)]
    # L-30 is the 1st in a 31-day month and before the 1st in February and April: no fire then.
    assert fires("0 0 12 L-30 * ?", "UTC", utc(2024, 1, 1), utc(2024, 5, 1)) == [
        utc(2024, 1, 1, 12), utc(2024, 3, 1, 12)]


def test_nearest_weekday_moves_off_weekends():
    # The 15th in 2024: Saturday in June (-> Friday 14th), Sunday in September (-> Monday 16th), a Friday in March.
    assert fires("0 0 9 15W * ?", "UTC", utc(2024, 3, 1), utc(2024, 10, 1)) == [
        utc(2024, 3, 15, 9), utc(2024, 4, 15, 9), utc(2024, 5, 15, 9), utc(2024, 6, 14, 9), utc(2024, 7, 15, 9),
        utc(2024, 8, 15, 9), utc(2024, 9, 16, 9)]


def test_nearest_weekday_does_not_leave_the_month():
    # 1 June 2024 is a Saturday: 1W is Monday 3 June, not Friday 31 May.
    assert fires("0 0 9 1W * ?", "UTC", utc(2024, 5, 2), utc(2024, 6, 30)) == [utc(2024, 6, 3, 9)]
    # 31 March 2024 is a Sunday: 31W is Friday 29 March, not Monday 1 April. April has no 31st: no fire.
    assert fires("0 0 9 31W * ?", "UTC", utc(2024, 3, 1), utc(2024, 5, 1)) == [utc(2024, 3, 29, 9)]
    # 30 June 2024 is a Sunday and the month's last day: Friday 28 June.
    assert fires("0 0 9 30W * ?", "UTC", utc(2024, 6, 1), utc(2024, 7, 1)) == [utc(2024, 6, 28, 9)]


def test_last_weekday_of_the_month():
    # Last days of 2024: 29 Feb Thursday; 31 Mar Sunday -> Friday 29th; 31 Aug Saturday -> Friday 30th.
    assert fires("0 0 18 LW * ?", "UTC", utc(2024, 2, 1), utc(2024, 4, 1)) == [
        utc(2024, 2, 29, 18), utc(2024, 3, 29, 18)]
    assert fires("0 0 18 LW * ?", "UTC", utc(2024, 8, 1), utc(2024, 9, 1)) == [utc(2024, 8, 30, 18)]


def test_nth_and_last_day_of_week():
    # Fridays of 2024: January 5, 12, 19, 26; February 2, 9, 16, 23; March 1, 8, 15, 22, 29.
    assert fires("0 0 10 ? * 6#3", "UTC", utc(2024, 1, 1), utc(2024, 4, 1)) == [
        utc(2024, 1, 19, 10), utc(2024, 2, 16, 10), utc(2024, 3, 15, 10)]
    assert fires("0 0 10 ? * 6L", "UTC", utc(2024, 1, 1), utc(2024, 4, 1)) == [
        utc(2024, 1, 26, 10), utc(2024, 2, 23, 10), utc(2024, 3, 29, 10)]
    # A fifth Friday: only March has one.
    assert fires("0 0 10 ? * FRI#5", "UTC", utc(2024, 1, 1), utc(2024, 4, 1)) == [utc(2024, 3, 29, 10)]


def test_year_field():
    # New Year's midnight in Tokyo (UTC+9) is 15:00 UTC the day before.
    assert fires("0 0 0 1 1 ? 2025,2027", "Asia/Tokyo", utc(2020, 1, 1), utc(2030, 1, 1)) == [
        utc(2024, 12, 31, 15), utc(2026, 12, 31, 15)]
    schedule = QuartzSchedule.parse("0 0 0 1 1 ? 2025-2026", "UTC")
    assert schedule.next_fire(utc(2026, 1, 1)) is None
    assert schedule.previous_fire(utc(2025, 1, 1)) is None
    assert schedule.previous_fire(utc(2030, 1, 1)) == utc(2026, 1, 1)


def test_lists_ranges_and_steps():
    # Hours 8-17 every third hour: 8, 11, 14, 17; at minutes 0 and 30; seconds 10 and 40.
    day = fires("10,40 0,30 8-17/3 * * ?", "UTC", utc(2024, 5, 6), utc(2024, 5, 7))
    assert [(t.hour, t.minute, t.second) for t in day] == [
        (h, m, s) for h in (8, 11, 14, 17) for m in (0, 30) for s in (10, 40)]
    # A wrapping range: 22-2 is 22, 23, 0, 1, 2.
    assert [t.hour for t in fires("0 0 22-2 * * ?", "UTC", utc(2024, 5, 6, 12), utc(2024, 5, 7, 12))] == [
        22, 23, 0, 1, 2]
    # */20 in minutes: 0, 20, 40.
    assert [t.minute for t in fires("0 */20 9 * * ?", "UTC", utc(2024, 5, 6), utc(2024, 5, 7))] == [0, 20, 40]


def test_month_and_day_names_in_any_case():
    # January and March 2024 Mondays to Wednesdays at 06:00 UTC, first ones: Mon 1 Jan, Tue 2, Wed 3, Mon 8 ...
    schedule = QuartzSchedule.parse("0 0 6 ? jan,Mar mon-WED", "UTC")
    jan_to_march = schedule.fire_times(utc(2024, 1, 1), utc(2024, 4, 1), 100)
    assert jan_to_march[:4] == [utc(2024, 1, 1, 6), utc(2024, 1, 2, 6), utc(2024, 1, 3, 6), utc(2024, 1, 8, 6)]
    assert {t.month for t in jan_to_march} == {1, 3}
    assert {t.strftime("%a") for t in jan_to_march} == {"Mon", "Tue", "Wed"}
    # January 2024 has five Mondays, five Tuesdays and five Wednesdays; March 2024 four, four and four.
    assert len(jan_to_march) == 15 + 12


def test_star_in_both_day_fields_means_every_day_and_star_defers_to_the_other_day_field():
    assert fires("0 0 12 * * *", "UTC", utc(2024, 5, 1), utc(2024, 5, 4)) == [
        utc(2024, 5, 1, 12), utc(2024, 5, 2, 12), utc(2024, 5, 3, 12)]
    # 6 May 2024 is a Monday.
    assert fires("0 0 12 * * MON", "UTC", utc(2024, 5, 1), utc(2024, 5, 14)) == [
        utc(2024, 5, 6, 12), utc(2024, 5, 13, 12)]
    assert fires("0 0 12 15 * *", "UTC", utc(2024, 5, 1), utc(2024, 7, 1)) == [
        utc(2024, 5, 15, 12), utc(2024, 6, 15, 12)]


def test_fixed_offset_and_java_short_zone_ids():
    # GMT+05:30 is always UTC+5:30; PST is Java's name for America/Los_Angeles (PDT, UTC-7, in June).
    assert fires("0 0 9 * * ?", "GMT+05:30", utc(2024, 6, 1), utc(2024, 6, 2)) == [utc(2024, 6, 1, 3, 30)]
    assert fires("0 0 9 * * ?", "PST", utc(2024, 6, 1), utc(2024, 6, 2)) == [utc(2024, 6, 1, 16)]


@pytest.mark.parametrize("kind", ["hourly", "every_6h", "daily", "weekdays", "weekly"])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", LOS_ANGELES, BERLIN, "Asia/Kolkata"])
def test_the_stand_in_generators_expressions(kind, zone):
    # The stand-in writes these (gen_world.Cron). A week from Monday 3 June 2024 (no DST change anywhere here).
    cron = Cron(kind, hour=13, minute=45, dow=DOW_NAMES.index("WED"), timezone=zone)
    week = QuartzSchedule.parse(cron.quartz, zone).fire_times(utc(2024, 6, 3), utc(2024, 6, 10), 1000)
    local = [t.astimezone(ZoneInfo(zone)) for t in week]
    # A UTC week holds 168 hours, 28 six-hour steps and 7 days; 13:45 local on Monday to Friday falls between
    # 08:15 UTC (Kolkata) and 20:45 UTC (Los Angeles), inside it in every zone.
    assert len(week) == {"hourly": 168, "every_6h": 28, "daily": 7, "weekdays": 5, "weekly": 1}[kind]
    assert all(t.minute == 45 for t in local)
    if kind == "every_6h":
        assert {t.hour for t in local} == {1, 7, 13, 19}  # 13 % 6 = 1, then every 6 hours
    if kind in ("daily", "weekdays", "weekly"):
        assert {t.hour for t in local} == {13}
    if kind == "weekdays":
        assert {t.strftime("%a") for t in local} <= {"Mon", "Tue", "Wed", "Thu", "Fri"}
    if kind == "weekly":
        assert [t.date() for t in local] == [datetime(2024, 6, 5).date()]  # Wednesday


# -- the caller's bounds -------------------------------------------------------------------------------------------

def test_limit_stops_the_walk():
    every_second = QuartzSchedule.parse("* * * * * ?", BERLIN)
    assert every_second.fire_times(utc(2024, 1, 1), utc(2025, 1, 1), 3) == [
        utc(2024, 1, 1), utc(2024, 1, 1, 0, 0, 1), utc(2024, 1, 1, 0, 0, 2)]
    assert every_second.fire_times(utc(2024, 1, 1), utc(2025, 1, 1), 0) == []
    with pytest.raises(ValueError, match="limit"):
        every_second.fire_times(utc(2024, 1, 1), utc(2025, 1, 1), -1)


def test_the_window_is_half_open_and_may_be_given_in_any_zone():
    daily = QuartzSchedule.parse("0 0 12 * * ?", "UTC")
    berlin = ZoneInfo(BERLIN)
    # [12:00, 12:00 the next day): the start's fire is in, the end's is out. 14:00 CEST is 12:00 UTC.
    assert daily.fire_times(datetime(2024, 6, 1, 14, tzinfo=berlin), utc(2024, 6, 2, 12), 10) == [utc(2024, 6, 1, 12)]
    assert daily.fire_times(utc(2024, 6, 2), utc(2024, 6, 1), 10) == []
    assert all(t.tzinfo is UTC for t in daily.fire_times(utc(2024, 6, 1), utc(2024, 6, 5), 10))


@pytest.mark.parametrize("call", [
    lambda s: s.fire_times(datetime(2024, 1, 1), utc(2024, 2, 1), 10),
    lambda s: s.fire_times(utc(2024, 1, 1), datetime(2024, 2, 1), 10),
    lambda s: s.next_fire(datetime(2024, 1, 1)),
    lambda s: s.previous_fire(datetime(2024, 1, 1)),
])
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(QuartzSchedule.parse("0 0 12 * * ?", "UTC"))


def test_a_year_of_an_hourly_schedule_takes_milliseconds():
    hourly = QuartzSchedule.parse("0 5 * * * ?", BERLIN)
    began = time.perf_counter()
    year = hourly.fire_times(utc(2024, 1, 1), utc(2025, 1, 1), 100_000)
    elapsed = time.perf_counter() - began
    assert len(year) == 366 * 24 - 1  # the spring-forward day has 23 hours; the fall-back 02:05 fires once
    assert elapsed < 1.0  # about 0.03 s here; a second-by-second walk would take minutes


def test_walks_that_find_nothing_end_quickly():
    never = QuartzSchedule.parse("0 0 0 30 2 ?", "UTC")  # 30 February
    began = time.perf_counter()
    assert never.fire_times(datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC), 10) == []
    assert never.next_fire(utc(2024, 1, 1)) is None
    assert never.previous_fire(datetime.max.replace(tzinfo=UTC)) is None
    assert time.perf_counter() - began < 1.0


def test_describe():
    assert QuartzSchedule.parse("0 30 9 ? * MON-FRI", LOS_ANGELES).describe() == \
        "at 09:30 on MON-FRI (America/Los_Angeles)"
    assert QuartzSchedule.parse("0 15 3/6 * * ?", BERLIN).describe() == "at 03:15, 09:15, 15:15, 21:15 (Europe/Berlin)"
    assert QuartzSchedule.parse("0 * * * * ?", "UTC").describe() == "1440 times a day (UTC)"


# -- bad input -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, message", [
    ("", "0 fields"),
    ("   ", "0 fields"),
    ("0 0 * * *", "5 fields"),
    ("0 0 12 * * ? 2024 1", "8 fields"),
    ("0 " * 101, "at most 200"),
    (None, "must be a string"),
    (42, "must be a string"),
    ("60 0 12 * * ?", "second field '60': 60 is outside 0-59"),
    ("0 60 12 * * ?", "minute field '60': 60 is outside 0-59"),
    ("0 0 24 * * ?", "hour field '24'"),
    ("0 0 12 32 * ?", "day-of-month field '32'"),
    ("0 0 12 0 * ?", "day-of-month field '0'"),
    ("0 0 12 ? 13 MON", "month field '13'"),
    ("0 0 12 ? 0 MON", "month field '0'"),
    ("0 0 12 ? * 0", "day-of-week field '0': 0 is outside 1-7"),
    ("0 0 12 ? * 8", "day-of-week field '8'"),
    ("0 */0 12 * * ?", "step 0 is outside 1-60"),
    ("0 0/61 12 * * ?", "step 61"),
    ("0 0 12/ * * ?", "'/' must be followed by a step"),
    ("0 5-70 12 * * ?", "70 is outside 0-59"),
    ("0 0 12 ? * ?", "cannot both be '?'"),
    ("0 0 12 15 * MON", "needs '?' in one of them"),
    ("0 0 12 ? * MON#6", "must be 1-5"),
    ("0 0 12 ? * MON#0", "must be 1-5"),
    ("0 0 12 ? * 6#", "day-of-week takes L, nL and n#k"),
    ("0 0 12 ? * 9L", "9 is outside 1-7"),
    ("0 0 12 L-31 * ?", "at most 30"),
    ("0 0 12 32W * ?", "32 is outside 1-31"),
    ("0 0 12 0W * ?", "0 is outside 1-31"),
    ("0 0 12 1-5W * ?", "L and W take the forms"),
    ("0 0 12 L- * ?", "L and W take the forms"),
    ("0 0 12 * * ? 1969", "year field '1969': 1969 is outside 1970-2199"),
    ("0 0 12 * * ? 2200", "2200 is outside 1970-2199"),
    ("0 0 12 * * ? 2030-2025", "runs backwards"),
    ("0 0 12 ? FOO MON", "month field 'FOO': unknown name 'FOO'"),
    ("0 0 12 ? JAN-FOO MON", "unknown name 'FOO'"),
    ("0 0 12 ? JANUARY MON", "unknown name 'JANUARY'"),
    ("0 0 12 ? * FUN", "unknown name 'FUN'"),
    ("0 0 12 ? * MON-", "not a value, range or step"),
    ("0 0 12 ? * -MON", "not a value, range or step"),
    ("0 0 ,5 * * ?", "an empty list item"),
    ("0 0 5, * * ?", "an empty list item"),
    ("0 0 1--2 * * ?", "not a value, range or step"),
    ("0 0 1-2-3 * * ?", "not a value, range or step"),
    ("0 0 L * * ?", "hour field 'L': 'L' is not a number"),
    ("0 0 MON * * ?", "'MON' is not a number"),
    ("? 0 12 * * ?", "'?' is only allowed in day-of-month or day-of-week"),
    ("0 0 12 ?,1 * ?", "not a value, range or step"),
    ("0 0 99999999999999999999 * * ?", "is outside 0-23"),
    ("0 0 \u0663 * * ?", "contains '\\u0663'"),  # ARABIC-INDIC DIGIT THREE: int() would take it
    ("0 0 12 * * ?\n0", "contains '\\n'"),
    ("0 0 12 * * ?\x00", "contains '\\x00'"),
    ("0 0 12 * * ? \ud800", "contains '\\ud800'"),
    ("0 0 12 * * ? \U0001f600", "contains '\\U0001f600'"),
    ("0 0 12 * * ?; rm -rf /", "contains ';'"),
])
def test_malformed_expressions_are_refused_with_a_reason(expression, message):
    with pytest.raises(ScheduleError) as raised:
        QuartzSchedule.parse(expression, "UTC")
    assert message in str(raised.value)
    assert raised.value.code == "INVALID_SCHEDULE"
    str(raised.value).encode("ascii")  # safe to log or return whatever the input held


@pytest.mark.parametrize("zone, message", [
    ("", "not a Java time zone id"),
    ("Not/AZone", "unknown time zone 'Not/AZone'"),
    ("europe/berlin", "unknown time zone"),
    ("../../etc/passwd", "not a Java time zone id"),
    ("/etc/localtime", "not a Java time zone id"),
    ("localtime", "unknown time zone"),
    ("posixrules", "unknown time zone"),
    ("right/Europe/Berlin", "unknown time zone"),
    ("Europe/Berlin\x00", "not a Java time zone id"),
    ("Europe/Berlin ", "not a Java time zone id"),
    ("A" * 65, "not a Java time zone id"),
    ("GMT+25:00", "offset out of range"),
    ("UTC+5", "unknown time zone"),
    (None, "must be a string"),
    (3600, "must be a string"),
])
def test_bad_time_zones_are_refused(zone, message):
    with pytest.raises(ScheduleError) as raised:
        QuartzSchedule.parse("0 0 12 * * ?", zone)
    assert message in str(raised.value)
    assert raised.value.field == "timezone"


def test_schedule_errors_are_value_errors_naming_the_field():
    with pytest.raises(ValueError) as raised:
        QuartzSchedule.parse("0 0 25 * * ?", "UTC")
    assert isinstance(raised.value, ScheduleError)
    assert raised.value.field == "hour"


# -- properties against a minute-by-minute reference ---------------------------------------------------------------

ZONES = ["UTC", BERLIN, LOS_ANGELES, "Australia/Lord_Howe", "America/Santiago", "Asia/Kathmandu",
         "Pacific/Chatham", "America/St_Johns", "Antarctica/Troll", "Africa/Casablanca", "Asia/Kolkata"]
DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def brute_force(minutes: set[int], hours: set[int], days_of_month: set[int] | None, days_of_week: set[int] | None,
                zone: str, start: datetime, end: datetime) -> list[datetime]:
    """Every UTC minute in [start, end) whose local reading matches, except the first pass through a repeated
    local time (Quartz fires its second). Wall times in a gap never appear as a reading, so they never fire."""
    tz = ZoneInfo(zone)
    found = []
    minute = start.replace(second=0, microsecond=0)
    if minute < start:
        minute += timedelta(minutes=1)
    while minute < end:
        local = minute.astimezone(tz)
        first_of_two = local.fold == 0 and local.replace(fold=1).utcoffset() != local.utcoffset()
        if (not first_of_two and local.minute in minutes and local.hour in hours
                and (days_of_month is None or local.day in days_of_month)
                and (days_of_week is None or DAY_NAMES[local.strftime("%a").upper()] in days_of_week)):
            found.append(minute)
        minute += timedelta(minutes=1)
    return found


@st.composite
def field(draw, low: int, high: int, names: tuple[str, ...] = ()) -> tuple[str, set[int]]:
    """A cron field of plain values, lists, ranges and steps, with the values it selects computed directly."""
    def value_text(value: int) -> str:
        if names and draw(st.booleans()):
            name = names[value - low]
            return draw(st.sampled_from([name, name.lower(), name.title()]))
        return str(value)

    items, selected = [], set()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["value", "range", "star-step", "start-step", "range-step", "star"]))
        a, b = sorted(draw(st.lists(st.integers(low, high), min_size=2, max_size=2)))
        step = draw(st.integers(1, high - low + 1))
        if kind == "value":
            items.append(value_text(a)); selected.add(a)
        elif kind == "range":
            items.append(f"{value_text(a)}-{value_text(b)}"); selected.update(range(a, b + 1))
        elif kind == "star-step":
            items.append(f"*/{step}"); selected.update(v for v in range(low, high + 1) if (v - low) % step == 0)
        elif kind == "start-step":
            items.append(f"{a}/{step}"); selected.update(v for v in range(a, high + 1) if (v - a) % step == 0)
        elif kind == "range-step":
            items.append(f"{a}-{b}/{step}"); selected.update(v for v in range(a, b + 1) if (v - a) % step == 0)
        else:
            return "*", set(range(low, high + 1))
    return ",".join(items), selected


@cache
def transitions(zone: str) -> tuple[datetime, ...]:
    """Noon UTC of each day, 2022-2027, on which the zone's offset changes before the next noon."""
    tz, found = ZoneInfo(zone), []
    day = utc(2022, 1, 1, 12)
    while day.year < 2028:
        if day.astimezone(tz).utcoffset() != (day + timedelta(days=1)).astimezone(tz).utcoffset():
            found.append(day)
        day += timedelta(days=1)
    return tuple(found) or (utc(2024, 3, 10, 12),)


@st.composite
def windows(draw) -> tuple[str, datetime, datetime]:
    zone = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):  # near a DST change, where the interesting cases are
        start = draw(st.sampled_from(transitions(zone))) - timedelta(minutes=draw(st.integers(-720, 2160)))
    else:
        start = utc(2022, 1, 1) + timedelta(minutes=draw(st.integers(0, 6 * 366 * 24 * 60)))
    start += timedelta(seconds=draw(st.sampled_from([0, 0, 30])))
    return zone, start, start + timedelta(minutes=draw(st.integers(1, 48 * 60)))


@st.composite
def simple_schedule(draw) -> tuple[str, tuple]:
    minute_text, minutes = draw(field(0, 59))
    hour_text, hours = draw(field(0, 23))
    days = draw(st.sampled_from(["every", "month", "week"]))
    if days == "month":
        day_text, days_of_month = draw(field(1, 31))
        text, sets = f"0 {minute_text} {hour_text} {day_text} * ?", (minutes, hours, days_of_month, None)
    elif days == "week":
        day_text, days_of_week = draw(field(1, 7, tuple(DAY_NAMES)))
        text, sets = f"0 {minute_text} {hour_text} ? * {day_text}", (minutes, hours, None, days_of_week)
    else:
        text, sets = f"0 {minute_text} {hour_text} * * ?", (minutes, hours, None, None)
    return text, sets


PROPERTY_SETTINGS = dict(deadline=None, database=None)


@settings(max_examples=250, derandomize=True, **PROPERTY_SETTINGS)
@given(simple_schedule(), windows(), st.integers(1, 3000))
def test_fire_times_agree_with_a_minute_by_minute_walk(schedule, window, limit):
    (text, sets), (zone, start, end) = schedule, window
    expected = brute_force(*sets, zone, start, end)
    assert QuartzSchedule.parse(text, zone).fire_times(start, end, limit) == expected[:limit], text


@settings(max_examples=150, derandomize=True, **PROPERTY_SETTINGS)
@given(simple_schedule(), windows())
def test_previous_and_next_fire_agree_with_a_minute_by_minute_walk(schedule, window):
    (text, sets), (zone, start, end) = schedule, window
    expected = brute_force(*sets, zone, start, end)
    parsed = QuartzSchedule.parse(text, zone)
    if expected:
        # The first fire in [start, end) is the next one after a moment before start, and the last is the previous
        # one before end.
        assert parsed.next_fire(start - timedelta(microseconds=1)) == expected[0], text
        assert parsed.previous_fire(end) == expected[-1], text
        if len(expected) > 1:
            assert parsed.next_fire(expected[0]) == expected[1], text
            assert parsed.previous_fire(expected[-1]) == expected[-2], text
    else:
        nxt, prev = parsed.next_fire(start - timedelta(microseconds=1)), parsed.previous_fire(end)
        assert nxt is None or nxt >= end, text
        assert prev is None or prev < start, text


@pytest.mark.slow
@settings(max_examples=3000, **PROPERTY_SETTINGS)
@given(simple_schedule(), windows(), st.integers(1, 3000))
def test_fire_times_agree_with_a_minute_by_minute_walk_long(schedule, window, limit):
    (text, sets), (zone, start, end) = schedule, window
    assert QuartzSchedule.parse(text, zone).fire_times(start, end, limit) == brute_force(*sets, zone, start, end)[
        :limit], text
