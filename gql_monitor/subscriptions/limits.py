"""Bounds on what websocket clients can hold and send: connections per process and per caller, messages per
connection. Counters live on the event loop's thread only (no await between a check and its update), so they need
no lock."""

from __future__ import annotations

import time
from collections import Counter
from typing import Callable


class ConnectionLimits:
    def __init__(self, *, per_process: int, per_caller: int) -> None:
        self.per_process = per_process
        self.per_caller = per_caller
        self.open = 0
        self._callers: Counter[str] = Counter()

    def admit(self) -> bool:
        """Counts a new connection unless the process is full."""
        if self.open >= self.per_process:
            return False
        self.open += 1
        return True

    def release(self) -> None:
        self.open -= 1

    def admit_caller(self, caller: str) -> bool:
        if self._callers[caller] >= self.per_caller:
            return False
        self._callers[caller] += 1
        return True

    def release_caller(self, caller: str) -> None:
        self._callers[caller] -= 1
        if self._callers[caller] <= 0:
            del self._callers[caller]

    def of_caller(self, caller: str) -> int:
        return self._callers[caller]


class MessageRate:
    """A token bucket: a burst of `per_minute` messages, refilled at `per_minute` a minute. Elapsed time on a
    monotonic clock (an interval, not an instant; injectable for the unit tests)."""

    def __init__(self, per_minute: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._monotonic = monotonic
        self._tokens = float(per_minute)
        self._at = monotonic()

    def allow(self) -> bool:
        now = self._monotonic()
        self._tokens = min(float(self.per_minute), self._tokens + (now - self._at) * self.per_minute / 60.0)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
