"""The `gql-monitor` command: serve · demo · local-workspace · export-schema."""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Sequence

DEMO_TOKENS = {
    "local-admin": "reads every system table, sees every job",
    "local-analyst": "no grant on the system tables; sees only the jobs whose ACL names them",
}
DEFAULT_SCALE = "small"
DEFAULT_SEED = 7
# Databricks Apps kill an app 15 s after SIGTERM; requests still running get most of that, then are cut.
GRACEFUL_SHUTDOWN_SECONDS = 10
# How long `demo` waits, after stopping the stand-in, for its worker threads to finish (see _stop_stand_in).
STAND_IN_THREADS_SECONDS = 5.0


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {port}")
    return port


def _fraction(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {rate}")
    return rate


def _non_negative(kind):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        # float("nan") compares false with everything, so it would pass a `< 0` check and silently disable a fault.
        if isinstance(number, float) and not math.isfinite(number):
            raise argparse.ArgumentTypeError(f"must be a finite number: {value!r}")
        if number < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {number}")
        return number

    return parse


def _instant(value: str) -> datetime:
    from gql_monitor.clock import parse_instant

    try:
        return parse_instant(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _time_zone(value: str) -> str:
    from gql_monitor.local_workspace.faults import time_zone

    try:
        return time_zone(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    from gql_monitor.local_workspace.generator import SCALES

    parser = argparse.ArgumentParser(prog="gql-monitor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the monitor against a Databricks workspace (environment config)")
    serve.add_argument(
        "--host", default=None, help="interface to listen on (default 0.0.0.0 in an App, else 127.0.0.1)"
    )
    serve.add_argument("--port", type=_port, default=None, help="default $DATABRICKS_APP_PORT, else 8000")

    demo = commands.add_parser("demo", help="start a local workspace stand-in and the monitor against it")
    demo.add_argument("--port", type=_port, default=8000)
    demo.add_argument("--scale", choices=sorted(SCALES), default=DEFAULT_SCALE)
    # The generator seeds numpy, which refuses negative seeds.
    demo.add_argument("--seed", type=_non_negative(int), default=DEFAULT_SEED)
    demo.add_argument("--now", type=_instant, default=None,
                      help="ISO-8601 instant the workspace is generated as of and the monitor's clock is pinned to "
                           "(default: the system clock, not pinned); with --seed, reproduces what a demo showed")

    local = commands.add_parser("local-workspace", help="run the local Databricks workspace stand-in alone")
    local.add_argument("--host", default="127.0.0.1", help="interface to listen on (loopback unless told otherwise)")
    local.add_argument("--port", type=_port, default=8765)
    # None means "not given": a reused --db keeps the scale and seed it was generated with, and says so if asked
    # for others.
    local.add_argument("--scale", choices=sorted(SCALES), default=None, help=f"default {DEFAULT_SCALE}")
    local.add_argument("--seed", type=_non_negative(int), default=None, help=f"default {DEFAULT_SEED}")
    local.add_argument("--now", type=_instant, default=None,
                       help="ISO-8601 instant the workspace is generated as of, which its SQL clock then reads "
                            "(default: the system clock at generation)")
    local.add_argument("--db", default=None, help="DuckDB file to use; generated into when empty, reused otherwise")
    local.add_argument("--statement-latency-ms", type=_non_negative(int), default=0)
    local.add_argument("--warehouse-cold-start-seconds", type=_non_negative(float), default=0.0)
    local.add_argument("--jobs-api-429-rate", type=_fraction, default=0.0)
    local.add_argument("--jobs-api-500-rate", type=_fraction, default=0.0)
    local.add_argument("--jobs-api-latency-ms", type=_non_negative(int), default=0)
    local.add_argument("--session-time-zone", type=_time_zone, default="UTC",
                       help="the warehouse's default session time zone, for sessions that set no TIMEZONE "
                            "(default UTC)")

    commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    return parser


def _fail(message: str, code: int = 1) -> int:
    print(f"gql-monitor: {message}", file=sys.stderr)
    return code


def _reason(exc: BaseException) -> str:
    """The first line of an error, without the configuration dump the SDK appends (". Config: host=..., Env: ...")."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return re.sub(r"\.? (Config|Env): .*$", "", line)


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


def _run_uvicorn(app, sock, *, quiet_other_threads: bool = False) -> int:
    import uvicorn

    config = uvicorn.Config(
        app, log_level="info", proxy_headers=False, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS
    )
    if quiet_other_threads:
        # After uvicorn.Config: constructing it (re)configures these loggers.
        only_here = _OnlyThread(threading.get_ident())
        for name in ("uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).addFilter(only_here)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def cmd_serve(args) -> int:
    from gql_monitor.local_workspace.server import PortInUseError, _bind
    from gql_monitor.settings import ConfigError, Settings

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fail(f"serve: {exc}", 2)
    port = args.port
    if port is None:
        try:
            port = _port(os.environ.get("DATABRICKS_APP_PORT") or "8000")
        except argparse.ArgumentTypeError as exc:
            return _fail(f"serve: DATABRICKS_APP_PORT: {exc}", 2)
    host = args.host or ("0.0.0.0" if settings.in_databricks_app else "127.0.0.1")
    # Bound before the app is built, so a taken port fails at once rather than after the (slow) imports.
    try:
        sock = _bind(host, port)
    except PortInUseError as exc:
        return _fail(f"serve: {exc}")
    from gql_monitor.http.app import create_app

    try:
        app = create_app(settings)
    except (ValueError, ImportError) as exc:
        # The SDK raises ValueError when it cannot set up the app's credentials (e.g. OAuth metadata unreachable);
        # ImportError is an optional extra that is not installed (redis for GQL_MONITOR_REDIS_URL).
        sock.close()
        return _fail(f"serve: cannot set up the app's credentials for DATABRICKS_HOST {settings.host} (is it the "
                     f"workspace URL, and reachable?): {_reason(exc)}")
    bound_host, bound_port = sock.getsockname()[:2]
    print(f"gql-monitor: serving on http://{bound_host}:{bound_port} ({settings.data_access} data access)", flush=True)
    return _run_uvicorn(app, sock)


def _stop_stand_in(workspace) -> None:
    # The stand-in's worker threads are daemons (they are started from its server thread) and drop their DuckDB
    # cursors as they end. If the interpreter is finalizing by then, the thread is killed inside DuckDB's C++ and the
    # whole process aborts ("terminate called ... FATAL: exception not rethrown"), so they are waited for here. They
    # are collected before stopping: a thread leaves threading.enumerate() before its cursors are gone, but join()
    # waits for that.
    threads = [t for t in threading.enumerate() if t.daemon and t is not threading.current_thread()]
    workspace.stop()
    deadline = time.monotonic() + STAND_IN_THREADS_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


def cmd_demo(args) -> int:
    from gql_monitor.clock import FixedClock
    from gql_monitor.local_workspace.server import LocalWorkspace, PortInUseError, _bind
    from gql_monitor.settings import Settings

    # The monitor's port first: a taken port fails before seconds of generating, and --port 0 prints the real port.
    try:
        sock = _bind("127.0.0.1", args.port)
    except PortInUseError as exc:
        return _fail(f"demo: {exc}")
    try:
        workspace = LocalWorkspace(scale=args.scale, seed=args.seed, port=0, now=args.now).start()
    except (PortInUseError, RuntimeError) as exc:
        sock.close()
        return _fail(f"demo: the local workspace did not start: {exc}")
    try:
        from gql_monitor.http.app import create_app

        pinned = {"clock": FixedClock(workspace.now)} if args.now is not None else {}
        settings = Settings.for_stand_in(workspace.base_url, demo_default_token="local-admin", **pinned)
        app = create_app(settings)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        now = workspace.now.isoformat(timespec="seconds")
        print(f"gql-monitor demo: {args.scale} workspace (seed {args.seed}, now {now}) on {workspace.base_url}")
        print("  clock     " + (f"pinned to {now}" if pinned else "the system clock")
              + f"; --seed {args.seed} --now {now} reproduces this data")
        print(f"  web UI    {base}/")
        print(f"  GraphQL   {base}/api/graphql")
        print(f"  health    {base}/api/health")
        for token, reach in DEMO_TOKENS.items():
            print(f"  token     {token}: {reach}")
        print("  Ctrl-C stops both.", flush=True)
        return _run_uvicorn(app, sock, quiet_other_threads=True)
    finally:
        _stop_stand_in(workspace)


def cmd_local_workspace(args) -> int:
    from gql_monitor.local_workspace.faults import Faults
    from gql_monitor.local_workspace.server import WAREHOUSE_HTTP_PATH, LocalWorkspace, PortInUseError
    from gql_monitor.local_workspace.state import WorkspaceDataError

    faults = Faults(
        statement_latency_ms=args.statement_latency_ms,
        warehouse_cold_start_seconds=args.warehouse_cold_start_seconds,
        jobs_api_429_rate=args.jobs_api_429_rate,
        jobs_api_500_rate=args.jobs_api_500_rate,
        jobs_api_latency_ms=args.jobs_api_latency_ms,
        session_time_zone=args.session_time_zone,
    )
    try:
        workspace = LocalWorkspace(
            db_path=args.db,
            scale=args.scale or DEFAULT_SCALE,
            seed=DEFAULT_SEED if args.seed is None else args.seed,
            port=args.port,
            host=args.host,
            faults=faults,
            now=args.now,
        )
    except (PortInUseError, WorkspaceDataError) as exc:
        return _fail(str(exc))
    meta = workspace.state.meta
    print(f"local workspace on {workspace.base_url}")
    print(f"  data           scale {meta.get('scale')}, seed {meta.get('seed')}, now {_meta_now(meta)}"
          + (f", in {args.db}" if args.db else ""))
    print(f"  SQL warehouse  id local, HTTP path {WAREHOUSE_HTTP_PATH}")
    for token, reach in DEMO_TOKENS.items():
        print(f"  token          {token}: {reach}")
    print("  OAuth M2M      client id local-sp, secret local-sp-secret", flush=True)
    asked = {"scale": args.scale, "seed": None if args.seed is None else str(args.seed),
             "now": None if args.now is None else str(int(args.now.timestamp() * 1000))}
    differing = [name for name, value in asked.items()
                 if value is not None and value != meta.get("now_ms" if name == "now" else name)]
    if differing:
        _fail(f"note: {args.db} already holds a generated workspace; --{' and --'.join(differing)} apply only when "
              "generating into an empty file")
    workspace.serve_forever()
    return 0


def _meta_now(meta: dict) -> str:
    try:
        now = datetime.fromtimestamp(int(meta["now_ms"]) / 1000, tz=timezone.utc)
    except (KeyError, ValueError):
        return "unknown"
    return now.isoformat(timespec="seconds")


def cmd_export_schema(args) -> int:
    from gql_monitor.graphql.schema import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = {
        "serve": cmd_serve,
        "demo": cmd_demo,
        "local-workspace": cmd_local_workspace,
        "export-schema": cmd_export_schema,
    }[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
