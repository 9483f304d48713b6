"""Loaded (via PYTHONPATH) into every Python process of the shifted-clock test runs (scripts/test), never otherwise.

Those runs move the system clock with libfaketime and leave the monotonic clock real
(FAKETIME_DONT_FAKE_MONOTONIC=1): CPython waits on locks with sem_clockwait(CLOCK_MONOTONIC), which libfaketime 0.9.10
does not intercept, so a faked monotonic clock makes every timed wait (Event.wait, Thread.join, Timer, queue.get)
hang 45 days or return at once. But with the monotonic clock real, libfaketime's clock_nanosleep wrapper still shifts
absolute CLOCK_MONOTONIC deadlines, and time.sleep (which sleeps until such a deadline) fails with EINVAL. So
time.sleep waits with select(), whose relative timeout libfaketime passes through unchanged.
"""

import os
import select
import time

if os.environ.get("FAKETIME") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
