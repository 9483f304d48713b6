"""The `gql-monitor` command: serve · demo · local-workspace · export-schema."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

DEMO_TOKENS = {
    "local-admin": "reads every system table, sees every job",
    "local-analyst": "no grant on the system tables; sees only the jobs whose ACL names them",
}


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
        if number < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {number}")
        return number

    return parse


def _parser() -> argparse.ArgumentParser:
    from gql_monitor.local_workspace.generator import SCALES

    parser = argparse.ArgumentParser(prog="gql-monitor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the monitor against a Databricks workspace (environment config)")
    serve.add_argument("--host", default=None, help="interface to listen on (default 0.0.0.0 in an App, else 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=None, help="default $DATABRICKS_APP_PORT, else 8000")

    demo = commands.add_parser("demo", help="start a local workspace stand-in and the monitor against it")
    demo.add_argument("--port", type=_port, default=8000)
    demo.add_argument("--scale", choices=sorted(SCALES), default="small")
    demo.add_argument("--seed", type=int, default=7)

    local = commands.add_parser("local-workspace", help="run the local Databricks workspace stand-in alone")
    local.add_argument("--host", default="127.0.0.1", help="interface to listen on (loopback unless told otherwise)")
    local.add_argument("--port", type=_port, default=8765)
    local.add_argument("--scale", choices=sorted(SCALES), default="small")
    local.add_argument("--seed", type=int, default=7)
    local.add_argument("--db", default=None, help="DuckDB file to use; generated into when empty")
    local.add_argument("--statement-latency-ms", type=_non_negative(int), default=0)
    local.add_argument("--warehouse-cold-start-seconds", type=_non_negative(float), default=0.0)
    local.add_argument("--jobs-api-429-rate", type=_fraction, default=0.0)
    local.add_argument("--jobs-api-500-rate", type=_fraction, default=0.0)
    local.add_argument("--jobs-api-latency-ms", type=_non_negative(int), default=0)

    commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    return parser


def _fail(message: str, code: int = 1) -> int:
    print(f"gql-monitor: {message}", file=sys.stderr)
    return code


def _run_uvicorn(app, host: str, port: int) -> int:
    import uvicorn

    from gql_monitor.local_workspace.server import PortInUseError, _bind

    try:
        sock = _bind(host, port)
    except PortInUseError as exc:
        return _fail(str(exc))
    uvicorn.Server(uvicorn.Config(app, log_level="info", proxy_headers=False)).run(sockets=[sock])
    return 0


def cmd_serve(args) -> int:
    from gql_monitor.http.app import create_app
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
    return _run_uvicorn(create_app(settings), host, port)


def cmd_demo(args) -> int:
    from gql_monitor.http.app import create_app
    from gql_monitor.local_workspace.server import LocalWorkspace, PortInUseError
    from gql_monitor.settings import Settings

    try:
        workspace = LocalWorkspace(scale=args.scale, seed=args.seed, port=0).start()
    except PortInUseError as exc:
        return _fail(str(exc))
    settings = Settings(
        host=workspace.base_url,
        warehouse_id="local",
        client_id="local-sp",
        client_secret="local-sp-secret",
        data_access="obo",
        demo_default_token="local-admin",
    )
    base = f"http://127.0.0.1:{args.port}"
    print(f"gql-monitor demo: {args.scale} workspace (seed {args.seed}) on {workspace.base_url}")
    print(f"  web UI    {base}/")
    print(f"  GraphQL   {base}/api/graphql")
    print(f"  health    {base}/api/health")
    for token, reach in DEMO_TOKENS.items():
        print(f"  token     {token}: {reach}")
    print("  Ctrl-C stops both.", flush=True)
    try:
        return _run_uvicorn(create_app(settings), "127.0.0.1", args.port)
    finally:
        workspace.stop()


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
    )
    try:
        workspace = LocalWorkspace(
            db_path=args.db, scale=args.scale, seed=args.seed, port=args.port, host=args.host, faults=faults
        )
    except (PortInUseError, WorkspaceDataError) as exc:
        return _fail(str(exc))
    print(f"local workspace on {workspace.base_url}")
    print(f"  SQL warehouse  id local, HTTP path {WAREHOUSE_HTTP_PATH}")
    for token, reach in DEMO_TOKENS.items():
        print(f"  token          {token}: {reach}")
    print("  OAuth M2M      client id local-sp, secret local-sp-secret", flush=True)
    workspace.serve_forever()
    return 0


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
