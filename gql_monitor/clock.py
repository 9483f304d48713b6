"""The monitor's one notion of "now": an injectable clock, so tests and demos can pin time.

Every instant the product reasons about or reports (where default windows end, `checkedAt`, when an answer was
fetched) comes from a `Clock`. Elapsed-time bookkeeping (cache TTLs, retry budgets, token memory) stays on the
monotonic clock: it measures durations, not "now", and must not jump when the clock is pinned or shifted.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]
"""A callable returning the current instant as an aware UTC datetime."""


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class FixedClock:
    """A clock that always reads `at`: what the tests and `--now` use, so the same data gives the same answers."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a pinned clock needs an aware datetime")
        self.at = at.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.at

    def __repr__(self) -> str:
        return f"FixedClock({self.at.isoformat()})"


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant as given to `--now` or GQL_MONITOR_NOW, as an aware UTC datetime.

    A value without an offset is read as UTC (the system tables are UTC); `Z` is accepted. ValueError says what is
    wrong in words a command line can show.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("expected an ISO-8601 instant such as 2026-11-20T12:07:00Z, got an empty value")
    try:
        value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw)
    except ValueError:
        raise ValueError(f"expected an ISO-8601 instant such as 2026-11-20T12:07:00Z, got {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
