"""When a Databricks job's schedule should have fired: Quartz cron expressions evaluated in a time zone.

A job's schedule is `{quartz_cron_expression, timezone_id, pause_status}`. `QuartzSchedule.parse` reads the first
two (pausing is the caller's business) and answers with UTC instants, which the monitor matches against the job's
runs to find late starts and missed runs. Nothing here reads the clock: every window and instant is an argument.

Syntax (Quartz): `seconds minutes hours day-of-month month day-of-week [year]`, case-insensitive, with `*`, `?`,
ranges `a-b` (wrapping ones such as `22-2` or `FRI-MON` too), lists, steps (`*/n`, `a/n`, `a-b/n`), month names
JAN-DEC, day names SUN-SAT. Days of the week are numbered the Quartz way, 1=SUN ... 7=SAT (not cron's 0=SUN).
Day-of-month also takes `L` (last day), `L-n` (n days before it, n <= 30), `nW` (the weekday nearest day n, never
leaving the month: a Saturday 1st moves to Monday the 3rd, a Sunday last day to the Friday before), `LW` and `L-nW`.
Day-of-week also takes `L` alone (= 7, Saturday), `nL` (the month's last such day) and `n#k` (its k-th, k <= 5; no
fire in a month without one). Years run 1970-2199, as in Quartz.

Decisions where Quartz is strict or silent:
- Day-of-month and day-of-week: strict Quartz wants exactly one of them to be `?`. `*` in one of them is read as
  "no restriction", so `0 0 12 * * *` is every day and `0 0 12 * * MON` is every Monday (Databricks' UI has been
  seen to write `*` in both). Two specific values (`15 * MON`) and two `?` are refused: neither has one meaning.
- Lists may mix the special items (`1,15W,L`, `2#1,6L`); each item adds its days. Quartz refuses some such mixes;
  each has one obvious meaning, so accepting them cannot misread a schedule.
- `nW` or a plain day beyond the month's end (`31`, `31W` in April) does not fire that month; nor does `L-n` when it
  falls before the 1st.

Daylight saving time: the answer is what Quartz's own evaluator computes (Databricks schedules are Quartz
expressions, and its documented DST behaviour, quoted below, matches). Quartz's CronExpression.getTimeAfter walks
the local fields with a lenient java.util.Calendar, which reads a wall-clock time that does not exist as the time
shifted forward by the gap and one that occurs twice at its later (standard-time) occurrence; after every `set` it
re-checks the fields against what the calendar then reads. So:
- A fire time in a spring-forward gap does not fire that day (Berlin, 31 March 2024: `0 30 2 * * ?` has no fire;
  02:30 would read back as 03:30, which is not hour 2). An hourly schedule gets 23 fires that day.
- A fire time in a fall-back overlap fires once, at its second occurrence (Berlin, 27 October 2024: `0 30 2 * * ?`
  fires at 02:30 CET = 01:30 UTC, not at 02:30 CEST = 00:30 UTC). An hourly schedule goes two hours without a fire,
  as Databricks' documentation warns ("an hourly job ... might appear to not fire for an hour or two").
A matcher should still allow for a schedule running an hour either side of these instants on transition days.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Iterator
from zoneinfo import ZoneInfo, available_timezones

UTC = timezone.utc
MAX_EXPRESSION_LENGTH = 200
MAX_ZONE_ID_LENGTH = 64
FIRST_YEAR, LAST_YEAR = 1970, 2199

_FIELDS = (("second", 0, 59), ("minute", 0, 59), ("hour", 0, 23), ("day-of-month", 1, 31), ("month", 1, 12),
           ("day-of-week", 1, 7), ("year", FIRST_YEAR, LAST_YEAR))
_MONTH_NAMES = {name: number for number, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_DAY_NAMES = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}

# Checked before anything is split or converted: int() would otherwise accept non-ASCII digits such as "٣".
_ALLOWED = re.compile(r"[0-9A-Za-z*?,/#\- \t]*")
_RANGE = re.compile(r"(?:(?P<all>\*)|(?P<lo>[0-9]+|[A-Z]+)(?:-(?P<hi>[0-9]+|[A-Z]+))?)?(?:/(?P<step>[0-9]*))?")
_LAST_DAY = re.compile(r"L(?:-(?P<offset>[0-9]+))?(?P<weekday>W)?")
_NEAREST_WEEKDAY = re.compile(r"(?P<day>[0-9]+)W")
_LAST_OF_WEEK = re.compile(r"(?P<day>[0-9]+|[A-Z]{3})L")
_NTH_OF_WEEK = re.compile(r"(?P<day>[0-9]+|[A-Z]{3})#(?P<nth>[0-9]+)")

# java.util.TimeZone takes these three-letter ids too (java.time.ZoneId.SHORT_IDS lists the same mapping).
_JAVA_SHORT_IDS = {
    "ACT": "Australia/Darwin", "AET": "Australia/Sydney", "AGT": "America/Argentina/Buenos_Aires",
    "ART": "Africa/Cairo", "AST": "America/Anchorage", "BET": "America/Sao_Paulo", "BST": "Asia/Dhaka",
    "CAT": "Africa/Harare", "CNT": "America/St_Johns", "CST": "America/Chicago", "CTT": "Asia/Shanghai",
    "EAT": "Africa/Addis_Ababa", "ECT": "Europe/Paris", "IET": "America/Indiana/Indianapolis",
    "IST": "Asia/Kolkata", "JST": "Asia/Tokyo", "MIT": "Pacific/Apia", "NET": "Asia/Yerevan",
    "NST": "Pacific/Auckland", "PLT": "Asia/Karachi", "PNT": "America/Phoenix", "PRT": "America/Puerto_Rico",
    "PST": "America/Los_Angeles", "SST": "Pacific/Guadalcanal", "VST": "Asia/Ho_Chi_Minh",
    "EST": timedelta(hours=-5), "MST": timedelta(hours=-7), "HST": timedelta(hours=-10),
}
# java.util.TimeZone's custom ids: GMT+h, GMT+hh, GMT+hhmm, GMT+hh:mm (hours up to 23, as Java allows).
_JAVA_CUSTOM_ID = re.compile(r"GMT(?P<sign>[+-])(?P<hours>[0-9]{1,2})(?::?(?P<minutes>[0-9]{2}))?")
_ZONE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*")
# Files in the tz database directory that are not zones Java knows.
_NOT_JAVA_ZONES = {"localtime", "Factory", "posixrules"}


class ScheduleError(ValueError):
    """A schedule that cannot be evaluated; the message says which part is wrong and why."""

    code = "INVALID_SCHEDULE"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class QuartzSchedule:
    """A parsed Quartz cron expression in a time zone. Immutable; build it with `parse`."""

    __slots__ = ("expression", "timezone_id", "_zone", "_seconds", "_minutes", "_hours", "_months", "_years",
                 "_day_fields", "_days")

    @classmethod
    def parse(cls, expression: str, timezone_id: str) -> QuartzSchedule:
        return cls(expression, timezone_id)

    def __init__(self, expression: str, timezone_id: str) -> None:
        self.expression = expression
        self.timezone_id = timezone_id
        fields = _split(expression)
        self._zone = _zone(timezone_id)
        values = [_values(token, *_FIELDS[index]) for index, token in enumerate(fields) if index in (0, 1, 2, 4)]
        self._seconds, self._minutes, self._hours, months = (tuple(v) for v in values)
        self._months = frozenset(months)
        self._years = frozenset(_values(fields[6], *_FIELDS[6])) if len(fields) == 7 else None
        self._day_fields = fields[3], fields[5]
        self._days = _day_rule(fields[3], fields[5])

    def __repr__(self) -> str:
        return f"QuartzSchedule.parse({self.expression!r}, {self.timezone_id!r})"

    # -- answers ---------------------------------------------------------------------------------------------------

    def fire_times(self, start: datetime, end: datetime, limit: int) -> list[datetime]:
        """The fire instants in [start, end), in order, as aware UTC datetimes; at most `limit` of them (the caller
        bounds the work: an every-second schedule over a year stops after `limit`)."""
        start, end = _instant(start, "start"), _instant(end, "end")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"limit must be a non-negative integer, got {limit!r}")
        found: list[datetime] = []
        if limit == 0 or start >= end:
            return found
        for instant in self._walk(start, bound=end, backward=False):
            if instant >= end:
                break
            found.append(instant)
            if len(found) == limit:
                break
        return found

    def next_fire(self, at: datetime) -> datetime | None:
        """The first fire instant strictly after `at` (Quartz's getTimeAfter), or None if the schedule has ended."""
        at = _instant(at, "at")
        return next((instant for instant in self._walk(at, bound=None, backward=False) if instant > at), None)

    def previous_fire(self, at: datetime) -> datetime | None:
        """The last fire instant strictly before `at`, or None if there is none since 1970."""
        return next(self._walk(_instant(at, "at"), bound=None, backward=True), None)

    def utc_offset(self, at: datetime) -> timedelta:
        """The schedule's zone's UTC offset at an instant (a matcher compares two to see a DST switch)."""
        return _instant(at, "at").astimezone(self._zone).utcoffset()  # type: ignore[return-value]

    def describe(self) -> str:
        """A short English reading, e.g. "at 09:30 on MON-FRI (America/Los_Angeles)"."""
        times = [(h, m, s) for h in self._hours for m in self._minutes for s in self._seconds]
        with_seconds = any(s for _, _, s in times)
        if len(times) <= 6:
            when = "at " + ", ".join(f"{h:02}:{m:02}" + (f":{s:02}" if with_seconds else "") for h, m, s in times)
        else:
            when = f"{len(times)} times a day"
        day_of_month, day_of_week = self._day_fields
        parts = [when]
        if self._days[0] == "month" and day_of_month != "*":
            parts.append(f"on day-of-month {day_of_month}")
        elif self._days[0] == "week" and day_of_week != "*":
            parts.append(f"on {day_of_week}")
        if len(self._months) < 12:
            parts.append("in " + ",".join(name for name, n in _MONTH_NAMES.items() if n in self._months))
        if self._years is not None:
            parts.append(f"in {_split(self.expression)[6]}")
        return " ".join(parts) + f" ({self.timezone_id})"

    # -- the walk --------------------------------------------------------------------------------------------------

    def _walk(self, origin: datetime, *, bound: datetime | None, backward: bool) -> Iterator[datetime]:
        """Fire instants >= origin in increasing order (backward: < origin, decreasing), month by month and field by
        field, skipping every day, hour and minute that lies wholly on the wrong side of `origin`, and (forward)
        stopping once a month lies wholly at or after `bound`. Instants increase with the wall-clock times they are
        read from (see `_resolve`), which is what makes both the order and the skipping sound."""
        ordered = (lambda values: values[::-1]) if backward else (lambda values: values)
        seconds, minutes, hours = ordered(self._seconds), ordered(self._minutes), ordered(self._hours)
        s0, s1, m0, m1, h0, h1 = (min(self._seconds), max(self._seconds), min(self._minutes), max(self._minutes),
                                  min(self._hours), max(self._hours))

        reached = False  # once one instant is on the right side of origin, every later one in walk order is too

        def wrong_side(first: datetime, last: datetime) -> bool:
            # True when every existing wall time in [first, last] resolves to the far side of origin.
            if reached:
                return False
            return self._earliest(first) >= origin if backward else self._latest(last) < origin

        for year, month in self._months_from(origin, backward):
            if bound is not None and self._earliest(datetime(year, month, 1)) >= bound:
                return
            for day in ordered(self._days_of(year, month)):
                if wrong_side(datetime(year, month, day, h0, m0, s0), datetime(year, month, day, h1, m1, s1)):
                    continue
                for hour in hours:
                    if wrong_side(datetime(year, month, day, hour, m0, s0), datetime(year, month, day, hour, m1, s1)):
                        continue
                    for minute in minutes:
                        if wrong_side(datetime(year, month, day, hour, minute, s0),
                                      datetime(year, month, day, hour, minute, s1)):
                            continue
                        for second in seconds:
                            instant = self._resolve(datetime(year, month, day, hour, minute, second))
                            if instant is not None and (instant < origin if backward else instant >= origin):
                                reached = True
                                yield instant

    def _months_from(self, origin: datetime, backward: bool) -> Iterator[tuple[int, int]]:
        """The (year, month)s the schedule can fire in, in walk order, from the one holding origin's local date."""
        if origin.year > LAST_YEAR:
            origin = datetime(LAST_YEAR + 1, 1, 2, tzinfo=UTC)
        elif origin.year < FIRST_YEAR:
            origin = datetime(FIRST_YEAR - 1, 12, 30, tzinfo=UTC)
        # A day's margin: a wall time on the neighbouring local date can resolve to the other side of origin.
        local = origin.astimezone(self._zone).replace(tzinfo=None) + timedelta(days=1 if backward else -1)
        year, month = local.year, local.month
        step, first_month = (-1, 12) if backward else (1, 1)
        while (year >= FIRST_YEAR) if backward else (year <= LAST_YEAR):
            if FIRST_YEAR <= year <= LAST_YEAR and (self._years is None or year in self._years):
                if month in self._months:
                    yield year, month
                month += step
                if 1 <= month <= 12:
                    continue
            year, month = year + step, first_month

    def _days_of(self, year: int, month: int) -> list[int]:
        first_weekday, last = calendar.monthrange(year, month)  # Monday = 0
        # Quartz numbers the days of the week 1=SUN ... 7=SAT.
        quartz_day = [0] + [(first_weekday + day - 1 + 1) % 7 + 1 for day in range(1, last + 1)]
        kind, plain, specials = self._days
        if kind == "month":
            days = {day for day in plain if day <= last}
            for item, n in specials:
                target = last - n if item in ("L", "LW") else n
                if target < 1 or target > last:
                    continue
                if item in ("W", "LW"):
                    target = _nearest_weekday(target, quartz_day[target], last)
                days.add(target)
        else:
            days = {day for day in range(1, last + 1) if quartz_day[day] in plain}
            for item, weekday, nth in specials:
                first = 1 + (weekday - quartz_day[1]) % 7
                target = first + 7 * (nth - 1) if item == "#" else first + 7 * ((last - first) // 7)
                if target <= last:
                    days.add(target)
        return sorted(days)

    # -- wall clock to instant -------------------------------------------------------------------------------------

    def _offsets(self, wall: datetime) -> tuple[timedelta, timedelta]:
        # zoneinfo's fold=0 is the offset before a transition and fold=1 the one after: in a gap the first is the
        # smaller, in an overlap the larger.
        before = wall.replace(tzinfo=self._zone).utcoffset()
        after = wall.replace(tzinfo=self._zone, fold=1).utcoffset()
        return before, after  # type: ignore[return-value]

    def _resolve(self, wall: datetime) -> datetime | None:
        """The instant Quartz fires for a matching wall-clock time: none in a gap, the later one in an overlap."""
        before, after = self._offsets(wall)
        if before < after:
            return None
        return (wall - after).replace(tzinfo=UTC)

    def _earliest(self, wall: datetime) -> datetime:
        # No existing wall time at or after `wall` resolves earlier than this.
        return (wall - max(self._offsets(wall))).replace(tzinfo=UTC)

    def _latest(self, wall: datetime) -> datetime:
        # No existing wall time at or before `wall` resolves later than this.
        return (wall - min(self._offsets(wall))).replace(tzinfo=UTC)


# -- parsing -------------------------------------------------------------------------------------------------------

def _split(expression: object) -> list[str]:
    if not isinstance(expression, str):
        raise ScheduleError(f"a cron expression must be a string, got {type(expression).__name__}")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ScheduleError(f"cron expression is {len(expression)} characters long; at most "
                            f"{MAX_EXPRESSION_LENGTH} are allowed")
    bad = next((ch for ch in expression if not _ALLOWED.fullmatch(ch)), None)
    if bad is not None:
        raise ScheduleError(f"cron expression contains {ascii(bad)}, which Quartz does not allow")
    fields = expression.upper().split()
    if len(fields) not in (6, 7):
        raise ScheduleError(f"cron expression has {len(fields)} fields; Quartz needs 6 or 7 "
                            "(seconds minutes hours day-of-month month day-of-week [year])")
    return fields


def _fail(field: str, token: str, why: str) -> ScheduleError:
    return ScheduleError(f"{field} field {token!r}: {why}", field=field)


def _number(field: str, token: str, text: str, low: int, high: int, names: dict[str, int] | None) -> int:
    if text.isdigit():
        value = int(text)
    elif names is not None and text in names:
        value = names[text]
    elif names is not None:
        raise _fail(field, token, f"unknown name {text!r}; expected one of {', '.join(names)}")
    else:
        raise _fail(field, token, f"{text!r} is not a number")
    if not low <= value <= high:
        raise _fail(field, token, f"{value} is outside {low}-{high}")
    return value


def _names(field: str) -> dict[str, int] | None:
    return {"month": _MONTH_NAMES, "day-of-week": _DAY_NAMES}.get(field)


def _values(token: str, field: str, low: int, high: int) -> list[int]:
    """The values a field without Quartz's day specials selects, sorted."""
    if token == "?":
        raise _fail(field, token, "'?' is only allowed in day-of-month or day-of-week")
    chosen: set[int] = set()
    for item in token.split(","):
        chosen.update(_range_item(field, token, item, low, high))
    return sorted(chosen)


def _range_item(field: str, token: str, item: str, low: int, high: int) -> list[int]:
    match = _RANGE.fullmatch(item)
    if not item or match is None:
        what = "an empty list item" if not item else f"{item!r} is not a value, range or step"
        raise _fail(field, token, what)
    names = _names(field)
    span = high - low + 1
    step = 1
    if match["step"] is not None:
        if not match["step"]:
            raise _fail(field, token, "'/' must be followed by a step")
        step = int(match["step"])
        if not 1 <= step <= span:
            raise _fail(field, token, f"step {step} is outside 1-{span}")
    if match["lo"] is None:  # "*", "*/n" or Quartz's "/n"
        return list(range(low, high + 1, step))
    first = _number(field, token, match["lo"], low, high, names)
    if match["hi"] is None:
        # "a/n" runs from a to the field's end; a lone "a" is just a.
        return list(range(first, high + 1, step)) if match["step"] is not None else [first]
    last = _number(field, token, match["hi"], low, high, names)
    if first <= last:
        return list(range(first, last + 1, step))
    if field == "year":
        raise _fail(field, token, f"range {first}-{last} runs backwards")
    # A wrapping range such as 22-2 (hours) or FRI-MON runs past the end and starts again at the field's start.
    return [(value - low) % span + low for value in range(first, last + span + 1, step)]


def _day_rule(day_of_month: str, day_of_week: str) -> tuple:
    """Which field picks the days, and its parsed items: ("month", days, [(kind, n)]) or
    ("week", weekdays, [(kind, weekday, nth)])."""
    if day_of_month == "?" and day_of_week == "?":
        raise _fail("day-of-week", day_of_week, "day-of-month and day-of-week cannot both be '?'")
    if day_of_month == "?" or (day_of_month == "*" and day_of_week != "?"):
        return _day_of_week_rule(day_of_week)
    if day_of_week in ("?", "*"):
        return _day_of_month_rule(day_of_month)
    raise _fail("day-of-week", day_of_week, f"day-of-month is {day_of_month!r} too; Quartz needs '?' in one of them")


def _day_of_month_rule(token: str) -> tuple:
    field, plain, specials = "day-of-month", set(), []
    for item in token.split(","):
        if (match := _LAST_DAY.fullmatch(item)) is not None:
            offset = int(match["offset"] or 0)
            if offset > 30:
                raise _fail(field, token, f"L-{offset}: the offset from the last day is at most 30")
            specials.append(("LW" if match["weekday"] else "L", offset))
        elif (match := _NEAREST_WEEKDAY.fullmatch(item)) is not None:
            specials.append(("W", _number(field, token, match["day"], 1, 31, None)))
        elif "L" in item or "W" in item:
            raise _fail(field, token, f"{item!r}: L and W take the forms L, L-n, LW, L-nW and nW (a single day)")
        else:
            plain.update(_range_item(field, token, item, 1, 31))
    return "month", frozenset(plain), tuple(specials)


def _day_of_week_rule(token: str) -> tuple:
    field, plain, specials = "day-of-week", set(), []
    for item in token.split(","):
        if item == "L":  # alone, Quartz reads it as 7 (Saturday)
            plain.add(7)
        elif (match := _LAST_OF_WEEK.fullmatch(item)) is not None:
            specials.append(("L", _number(field, token, match["day"], 1, 7, _DAY_NAMES), 0))
        elif (match := _NTH_OF_WEEK.fullmatch(item)) is not None:
            weekday = _number(field, token, match["day"], 1, 7, _DAY_NAMES)
            nth = int(match["nth"])
            if not 1 <= nth <= 5:
                raise _fail(field, token, f"#{nth}: the week of the month after '#' must be 1-5")
            specials.append(("#", weekday, nth))
        elif "#" in item or item.endswith("L"):
            raise _fail(field, token, f"{item!r}: day-of-week takes L, nL and n#k (n a day 1-7 or SUN-SAT)")
        else:
            plain.update(_range_item(field, token, item, 1, 7))
    return "week", frozenset(plain), tuple(specials)


def _nearest_weekday(day: int, quartz_day: int, last: int) -> int:
    if quartz_day == 7:  # Saturday: the Friday before, unless that leaves the month
        return day + 2 if day == 1 else day - 1
    if quartz_day == 1:  # Sunday: the Monday after, unless that leaves the month
        return day - 2 if day == last else day + 1
    return day


# -- time zones and instants ---------------------------------------------------------------------------------------

@cache
def _known_zones() -> frozenset[str]:
    # Listing the database once (tens of milliseconds) keeps ids that only happen to be files there ("localtime",
    # "right/..."), and a case-insensitive file system's "europe/berlin", from passing as zones.
    return frozenset(available_timezones()) - _NOT_JAVA_ZONES


def _zone(timezone_id: object) -> ZoneInfo | timezone:
    if not isinstance(timezone_id, str):
        raise ScheduleError(f"a time zone id must be a string, got {type(timezone_id).__name__}", field="timezone")
    if timezone_id in ("UTC", "GMT"):
        return UTC
    if (custom := _JAVA_CUSTOM_ID.fullmatch(timezone_id)) is not None:
        hours, minutes = int(custom["hours"]), int(custom["minutes"] or 0)
        if hours > 23 or minutes > 59:
            raise ScheduleError(f"time zone {timezone_id!r}: offset out of range", field="timezone")
        sign = -1 if custom["sign"] == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    if not timezone_id or len(timezone_id) > MAX_ZONE_ID_LENGTH or not _ZONE_ID.fullmatch(timezone_id):
        raise ScheduleError(f"time zone {ascii(timezone_id[:MAX_ZONE_ID_LENGTH])} is not a Java time zone id "
                            "such as Europe/Berlin or UTC", field="timezone")
    alias = _JAVA_SHORT_IDS.get(timezone_id)
    if isinstance(alias, timedelta):
        return timezone(alias)
    key = alias or timezone_id
    if key not in _known_zones():
        detail = "" if _known_zones() else " (this machine has no time zone database)"
        raise ScheduleError(f"unknown time zone {timezone_id!r}{detail}", field="timezone")
    return ZoneInfo(key)


def _instant(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got the naive {value.isoformat()}")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # within a day of datetime.min or .max: far outside 1970-2199 either way
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)
