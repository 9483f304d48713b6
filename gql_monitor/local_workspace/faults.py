"""Fault injection for the stand-in: settings, never patches of the clients.

Every knob can be set at start-up (CLI flags of `gql-monitor local-workspace`) and changed while running through
`POST /_local/faults` (loopback only), so a test can turn a fault on, observe the product, and turn it off again.

What was injected is counted (`injected()`), so a test asserts that a fault reached the client, and how often the
client came back for more, from the stand-in's record instead of from how long the client took.
"""

from __future__ import annotations

import collections
import functools
import random
import threading
import time
from dataclasses import dataclass, field, fields

import duckdb


def time_zone(name: object) -> str:
    """An IANA time zone name as the stand-in's DuckDB sessions accept it; ValueError names what is wrong."""
    if not isinstance(name, str) or name not in _time_zones():
        raise ValueError(f"not a time zone (IANA name such as America/Los_Angeles or UTC): {name!r}")
    return name


@functools.cache
def _time_zones() -> frozenset[str]:
    # The zones the warehouse's engine knows (DuckDB's ICU), so a zone accepted here can always be set there.
    with duckdb.connect() as con:
        return frozenset(name for (name,) in con.execute("SELECT name FROM pg_timezone_names()").fetchall())


@dataclass
class Faults:
    # Added to every warehouse ExecuteStatement before it answers.
    statement_latency_ms: int = 0
    # The warehouse answers HTTP 503 to every request until this many seconds after (re)arming, like a cold start.
    warehouse_cold_start_seconds: float = 0.0
    # While true, every warehouse request waits before it is answered (at most PAUSE_LIMIT_SECONDS): a warehouse that
    # has not answered yet, held for as long as a test needs, without depending on how fast anything runs.
    warehouse_paused: bool = False
    # Fraction (0..1) of Jobs API requests answered 429 REQUEST_LIMIT_EXCEEDED / 500 INTERNAL_ERROR.
    jobs_api_429_rate: float = 0.0
    jobs_api_500_rate: float = 0.0
    # Added to every Jobs API request before it answers.
    jobs_api_latency_ms: int = 0
    # Fraction (0..1) of Permissions API reads answered 429 REQUEST_LIMIT_EXCEEDED (their own token bucket).
    permissions_api_429_rate: float = 0.0
    # The warehouse's default session time zone (an IANA name), for sessions that do not set TIMEZONE: a workspace
    # configured for another zone than UTC, where casts of timestamps to dates and `current_date()` fall differently.
    session_time_zone: str = "UTC"
    _cold_until: float = field(default=0.0, repr=False)
    _rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # What was injected, per kind: "warehouse_503", "jobs_api_429", "jobs_api_500", "permissions_api_429" (answers
    # sent) and "statement_latency_ms", "jobs_api_latency_ms" (milliseconds waited). Never reset: tests read the
    # difference.
    _injected: collections.Counter = field(default_factory=collections.Counter, repr=False)

    def __post_init__(self) -> None:
        self.session_time_zone = time_zone(self.session_time_zone)
        self.arm_cold_start()

    def note(self, kind: str, amount: int = 1) -> None:
        with self._lock:
            self._injected[kind] += amount

    def injected(self) -> collections.Counter:
        """A copy of the counts so far; subtract an earlier copy to see what one step injected."""
        with self._lock:
            return collections.Counter(self._injected)

    def arm_cold_start(self) -> None:
        self._cold_until = time.monotonic() + self.warehouse_cold_start_seconds

    def warehouse_starting(self) -> bool:
        return time.monotonic() < self._cold_until

    def roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def update(self, changes: dict) -> None:
        """Apply a partial update; unknown or private names are refused so a typo never passes silently."""
        public = {f.name: f.type for f in fields(self) if not f.name.startswith("_")}
        unknown = sorted(set(changes) - set(public))
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}; known: {', '.join(sorted(public))}")
        for name, value in changes.items():
            current = getattr(self, name)
            if isinstance(current, str):
                setattr(self, name, time_zone(value))
                continue
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"fault setting {name} must be true or false, got {value!r}")
                setattr(self, name, value)
                continue
            try:
                value = type(current)(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"fault setting {name} must be a number, got {value!r}") from exc
            if value < 0 or (name.endswith("_rate") and value > 1):
                raise ValueError(f"fault setting {name} is out of range: {value!r}")
            setattr(self, name, value)
        if "warehouse_cold_start_seconds" in changes:
            self.arm_cold_start()

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
