"""The commands that run the local workspace stand-in: `demo` (the stand-in and the monitor against it) and
`local-workspace` (the stand-in alone).

This is the only product module that imports the stand-in (`gql_monitor/local_workspace/`), and only once one of
these commands runs: the stand-in needs the `demo` extra (duckdb, sqlglot, numpy), which a Databricks App does not
install, so `serve`, `export-schema` and `--help` must not load it (tests/unit/test_product_imports.py,
tests/test_cli.py).
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import datetime, timezone

from gql_monitor.cli_common import fail, fraction, instant, non_negative, port_number, run_uvicorn

DEMO_TOKENS = {
    "local-admin": "reads every system table, sees every job (group admins)",
    "local-analyst": "no grant on the system tables; sees only the jobs whose ACL names them",
    "local-team": "a data-eng team member: sees the jobs granted to group data-eng",
    "local-owner": "owns a few jobs",
    "local-finops": "group finops, no job of their own",
    "local-nobody": "may read the tables, may view no job",
}
DEFAULT_SCALE = "small"
DEFAULT_SEED = 7
# How long `demo` waits, after stopping the stand-in, for its worker threads to finish (see _stop_stand_in).
STAND_IN_THREADS_SECONDS = 5.0
# The README's first command installs the same.
INSTALL_THE_DEMO_EXTRA = "python -m pip install -e '.[demo]'"


class _ScaleNames:
    """The generator's scales as argparse `choices`, looked up only when a stand-in command is parsed or its help
    printed, so building the parser for the other commands loads nothing of the stand-in."""

    @staticmethod
    def _names() -> list[str]:
        from gql_monitor.local_workspace.scales import SCALES

        return list(SCALES)

    def __iter__(self):
        return iter(self._names())

    def __contains__(self, name) -> bool:
        return name in self._names()


def add_commands(commands) -> None:
    """Adds `demo` and `local-workspace` to the CLI's subcommands."""
    # An explicit metavar: without one argparse lists the choices while the parser is built.
    scale = {"choices": _ScaleNames(), "metavar": "SCALE"}

    demo = commands.add_parser("demo", help="start a local workspace stand-in and the monitor against it")
    demo.set_defaults(handler=cmd_demo)
    demo.add_argument("--port", type=port_number, default=8000)
    demo.add_argument("--scale", default=DEFAULT_SCALE, help=f"%(choices)s (default {DEFAULT_SCALE})", **scale)
    # The generator seeds numpy, which refuses negative seeds.
    demo.add_argument("--seed", type=non_negative(int), default=DEFAULT_SEED)
    demo.add_argument("--now", type=instant, default=None,
                      help="ISO-8601 instant the workspace is generated as of and the monitor's clock is pinned to "
                           "(default: the system clock, not pinned); with --seed, reproduces what a demo showed")
    demo.add_argument("--job-visibility", choices=["all", "permissions"], default="all",
                      help="which jobs each caller sees (GQL_MONITOR_JOB_VISIBILITY; default all)")
    demo.add_argument("--as", dest="browser_token", choices=list(DEMO_TOKENS), default="local-admin",
                      metavar="TOKEN", help="the stand-in user a browser on this machine is signed in as "
                                            "(default local-admin); e.g. local-team with --job-visibility permissions")

    local = commands.add_parser("local-workspace", help="run the local Databricks workspace stand-in alone")
    local.set_defaults(handler=cmd_local_workspace)
    local.add_argument("--host", default="127.0.0.1", help="interface to listen on (loopback unless told otherwise)")
    local.add_argument("--port", type=port_number, default=8765)
    # None means "not given": a reused --db keeps the scale and seed it was generated with, and says so if asked
    # for others.
    local.add_argument("--scale", default=None, help=f"%(choices)s (default {DEFAULT_SCALE})", **scale)
    local.add_argument("--seed", type=non_negative(int), default=None, help=f"default {DEFAULT_SEED}")
    local.add_argument("--now", type=instant, default=None,
                       help="ISO-8601 instant the workspace is generated as of, which its SQL clock then reads "
                            "(default: the system clock at generation)")
    local.add_argument("--db", default=None, help="DuckDB file to use; generated into when empty, reused otherwise")
    local.add_argument("--statement-latency-ms", type=non_negative(int), default=0)
    local.add_argument("--warehouse-cold-start-seconds", type=non_negative(float), default=0.0)
    local.add_argument("--jobs-api-429-rate", type=fraction, default=0.0)
    local.add_argument("--jobs-api-500-rate", type=fraction, default=0.0)
    local.add_argument("--jobs-api-latency-ms", type=non_negative(int), default=0)
    local.add_argument("--permissions-api-429-rate", type=fraction, default=0.0)
    local.add_argument("--session-time-zone", type=_session_time_zone, default="UTC",
                       help="the warehouse's default session time zone, for sessions that set no TIMEZONE "
                            "(default UTC)")


def _session_time_zone(value: str) -> str:
    try:
        from gql_monitor.local_workspace.faults import time_zone
    except ModuleNotFoundError:
        # The zones are the ones DuckDB knows. Without the demo extra the command refuses to run anyway, in one line
        # naming the install command (_demo_extra_missing), rather than failing here.
        return value
    try:
        return time_zone(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _demo_extra_missing(command: str) -> int | None:
    """Loads the stand-in and everything it needs, or says in one line how to install the demo extra (exit status 1).

    Loaded up front, so a missing dependency fails before anything starts: the generator (numpy) is otherwise only
    loaded once a database is generated. A missing module of this package is a bug, not a missing extra, and stays
    an error."""
    try:
        import gql_monitor.local_workspace.generator  # noqa: F401
        import gql_monitor.local_workspace.server  # noqa: F401
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if not missing or missing == "gql_monitor":
            raise
        return fail(f"{command}: the local workspace stand-in needs {missing}, which is not installed; install the "
                    f"demo extra in the gql-monitor checkout: {INSTALL_THE_DEMO_EXTRA}")
    return None


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
    if (status := _demo_extra_missing("demo")) is not None:
        return status
    from gql_monitor.clock import FixedClock
    from gql_monitor.http.listening_socket import PortInUseError, listening_socket
    from gql_monitor.local_workspace.server import LocalWorkspace
    from gql_monitor.settings import Settings

    # The monitor's port first: a taken port fails before seconds of generating, and --port 0 prints the real port.
    try:
        sock = listening_socket("127.0.0.1", args.port)
    except PortInUseError as exc:
        return fail(f"demo: {exc}")
    try:
        workspace = LocalWorkspace(scale=args.scale, seed=args.seed, port=0, now=args.now).start()
    except (PortInUseError, RuntimeError) as exc:
        sock.close()
        return fail(f"demo: the local workspace did not start: {exc}")
    try:
        from gql_monitor.http.app import create_app

        pinned = {"clock": FixedClock(workspace.now)} if args.now is not None else {}
        settings = Settings.for_stand_in(workspace.base_url, demo_default_token=args.browser_token,
                                         job_visibility=args.job_visibility, **pinned)
        app = create_app(settings)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        now = workspace.now.isoformat(timespec="seconds")
        print(f"gql-monitor demo: {args.scale} workspace (seed {args.seed}, now {now}) on {workspace.base_url}")
        print("  clock     " + (f"pinned to {now}" if pinned else "the system clock")
              + f"; --seed {args.seed} --now {now} reproduces this data")
        print(f"  web UI    {base}/ (signed in as {args.browser_token}; jobs visible: {args.job_visibility})")
        print(f"  GraphQL   {base}/api/graphql")
        print(f"  health    {base}/api/health")
        for token, reach in DEMO_TOKENS.items():
            print(f"  token     {token}: {reach}")
        print("  Ctrl-C stops both.", flush=True)
        return run_uvicorn(app, sock, quiet_other_threads=True)
    finally:
        _stop_stand_in(workspace)


def cmd_local_workspace(args) -> int:
    if (status := _demo_extra_missing("local-workspace")) is not None:
        return status
    from gql_monitor.http.listening_socket import PortInUseError
    from gql_monitor.local_workspace.faults import Faults
    from gql_monitor.local_workspace.server import WAREHOUSE_HTTP_PATH, WAREHOUSE_ID, LocalWorkspace
    from gql_monitor.local_workspace.state import WorkspaceDataError

    faults = Faults(
        statement_latency_ms=args.statement_latency_ms,
        warehouse_cold_start_seconds=args.warehouse_cold_start_seconds,
        jobs_api_429_rate=args.jobs_api_429_rate,
        jobs_api_500_rate=args.jobs_api_500_rate,
        jobs_api_latency_ms=args.jobs_api_latency_ms,
        permissions_api_429_rate=args.permissions_api_429_rate,
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
        return fail(str(exc))
    meta = workspace.state.meta
    print(f"local workspace on {workspace.base_url}")
    print(f"  data           scale {meta.get('scale')}, seed {meta.get('seed')}, now {_meta_now(meta)}"
          + (f", in {args.db}" if args.db else ""))
    print(f"  SQL warehouse  id {WAREHOUSE_ID}, HTTP path {WAREHOUSE_HTTP_PATH}")
    for token, reach in DEMO_TOKENS.items():
        print(f"  token          {token}: {reach}")
    print("  OAuth M2M      client id local-sp, secret local-sp-secret", flush=True)
    asked = {"scale": args.scale, "seed": None if args.seed is None else str(args.seed),
             "now": None if args.now is None else str(int(args.now.timestamp() * 1000))}
    differing = [name for name, value in asked.items()
                 if value is not None and value != meta.get("now_ms" if name == "now" else name)]
    if differing:
        fail(f"note: {args.db} already holds a generated workspace; --{' and --'.join(differing)} apply only when "
             "generating into an empty file")
    workspace.serve_forever()
    return 0


def _meta_now(meta: dict) -> str:
    try:
        now = datetime.fromtimestamp(int(meta["now_ms"]) / 1000, tz=timezone.utc)
    except (KeyError, ValueError):
        return "unknown"
    return now.isoformat(timespec="seconds")
