"""What the `gql-monitor` commands share: argument types, one-line failures, serving an app on a bound socket."""

from __future__ import annotations

import argparse
import logging
import math
import sys
import threading
from datetime import datetime

# Databricks Apps kill an app 15 s after SIGTERM; requests still running get most of that, then are cut.
GRACEFUL_SHUTDOWN_SECONDS = 10


def _parsed(kind, value: str, what: str = "a number"):
    try:
        return kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {value!r}") from None


def port_number(value: str) -> int:
    port = _parsed(int, value, "a port number")
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {port}")
    return port


def fraction(value: str) -> float:
    rate = _parsed(float, value)
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {rate}")
    return rate


def non_negative(kind):
    def parse(value: str):
        number = _parsed(kind, value)
        # float("nan") compares false with everything, so it would pass a `< 0` check and silently disable a fault.
        if isinstance(number, float) and not math.isfinite(number):
            raise argparse.ArgumentTypeError(f"must be a finite number: {value!r}")
        if number < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {number}")
        return number

    return parse


def instant(value: str) -> datetime:
    from gql_monitor.clock import parse_instant

    try:
        return parse_instant(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def fail(message: str, code: int = 1) -> int:
    print(f"gql-monitor: {message}", file=sys.stderr)
    return code


class _OnlyThread(logging.Filter):
    """Drops uvicorn's info records logged on other threads.

    `demo` runs two uvicorn servers in one process and uvicorn's loggers are global: the monitor's access log would
    also show every request the monitor itself makes to the stand-in, and every start/stop message twice.
    """

    def __init__(self, thread_id: int | None) -> None:
        super().__init__()
        self._thread_id = thread_id

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self._thread_id or record.levelno >= logging.WARNING


def run_uvicorn(app, sock, *, quiet_other_threads: bool = False, logs_configured: bool = False) -> int:
    import uvicorn

    # `logs_configured`: the caller has set up logging (gql_monitor/logs.py) and uvicorn must not replace it.
    logging_options = {"log_config": None, "access_log": False} if logs_configured else {}
    config = uvicorn.Config(
        app, log_level="info", proxy_headers=False, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        **logging_options,
    )
    if quiet_other_threads:
        # After uvicorn.Config: constructing it (re)configures these loggers.
        only_here = _OnlyThread(threading.get_ident())
        for name in ("uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).addFilter(only_here)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def run_uvicorn_workers(sock, workers: int) -> int:
    """`serve` with GQL_MONITOR_WORKERS > 1: uvicorn's supervisor starts that many processes on the bound socket,
    each building the app from the environment (gql_monitor.http.app:app_from_environment), and restarts one that
    dies. SIGTERM or Ctrl-C stops them all, each finishing its requests within the graceful shutdown."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "gql_monitor.http.app:app_from_environment", factory=True, workers=workers, log_level="info",
        proxy_headers=False, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS, log_config=None, access_log=False,
    )
    Multiprocess(config, sockets=[sock]).run()
    return 0


def freeze_start_up_heap() -> None:
    """Moves everything alive after start-up (modules, the schema, the SDK's and connector's state: some 300,000
    objects) out of the cyclic garbage collector's sight. A request that builds a large answer triggers full
    collections, and each walked all of them: an executed dashboard took twice the CPU (bench/results.md, "Warm
    path"). Collected first, so no garbage is kept."""
    import gc

    gc.collect()
    gc.freeze()
