"""Environments for the external programs the tests start, when the suite runs under a shifted clock.

scripts/test runs the suite a second and third time under libfaketime (`faketime -f +45d` / `-45d`) with the monotonic
clock left real (FAKETIME_DONT_FAKE_MONOTONIC=1; see scripts/faketime/sitecustomize.py for why). Programs started
from the tests inherit that environment; two need it adjusted:

* Chromium's network service crashes when its monotonic clock is real but libfaketime shifts its absolute
  sleeps, so the browser gets libfaketime's default (both clocks shifted, consistently). It still sees the shifted
  date, as a user's browser would.
* redis-server cannot start under libfaketime at all (its jemalloc calls clock_gettime while libfaketime is still
  initializing: "Cannot recover from unexpected recursive calls to clock_gettime()"), so it runs on the real clock.
  That is sound: the monitor gives Redis relative TTLs and stamps entries with its own clock, so Redis never
  tells the monitor what time it is.

Outside a shifted run both functions return the environment unchanged.
"""

from __future__ import annotations

import os

_FAKETIME_VARIABLES = ("LD_PRELOAD", "FAKETIME", "FAKETIME_SHARED", "FAKETIME_DONT_FAKE_MONOTONIC",
                       "DYLD_INSERT_LIBRARIES", "DYLD_FORCE_FLAT_NAMESPACE")


def shifted() -> bool:
    return bool(os.environ.get("FAKETIME"))


def chromium_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FAKETIME_DONT_FAKE_MONOTONIC", None)
    return env


def real_clock_env() -> dict[str, str]:
    env = dict(os.environ)
    if shifted():
        for name in _FAKETIME_VARIABLES:
            env.pop(name, None)
    return env
