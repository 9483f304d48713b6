"""The `gql-monitor` command: serve · demo · local-workspace · export-schema · settings."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from gql_monitor import demo
from gql_monitor.cli_common import fail, freeze_start_up_heap, port_number, run_uvicorn, run_uvicorn_workers
from gql_monitor.sources.error_text import without_sdk_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gql-monitor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the monitor against a Databricks workspace (environment config)")
    serve.set_defaults(handler=cmd_serve)
    serve.add_argument(
        "--host", default=None, help="interface to listen on (default 0.0.0.0 in an App, else 127.0.0.1)"
    )
    serve.add_argument("--port", type=port_number, default=None, help="default $DATABRICKS_APP_PORT, else 8000")

    # The stand-in's commands: their wiring, and every import of the stand-in, is in gql_monitor/demo.py.
    demo.add_commands(commands)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.set_defaults(handler=cmd_export_schema)

    listing = commands.add_parser("settings", help="print the environment variables serve reads (Markdown table)")
    listing.set_defaults(handler=cmd_settings)
    return parser


def _reason(exc: BaseException) -> str:
    """The first line of an error, without the configuration dump the SDK appends (". Config: host=..., Env: ...")."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return without_sdk_config(line)


def cmd_serve(args) -> int:
    from gql_monitor.http.listening_socket import PortInUseError, listening_socket
    from gql_monitor.settings import ConfigError, Settings

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return fail(f"serve: {exc}", 2)
    port = args.port
    if port is None:
        try:
            port = port_number(os.environ.get("DATABRICKS_APP_PORT") or "8000")
        except argparse.ArgumentTypeError as exc:
            return fail(f"serve: DATABRICKS_APP_PORT: {exc}", 2)
    host = args.host or ("0.0.0.0" if settings.in_databricks_app else "127.0.0.1")
    # Bound before the app is built, so a taken port fails at once rather than after the (slow) imports.
    try:
        sock = listening_socket(host, port)
    except PortInUseError as exc:
        return fail(f"serve: {exc}")
    from gql_monitor.http.app import create_app

    try:
        # Built here even when workers build their own: a workspace the credentials cannot be set up for fails once,
        # in one line, before any worker starts.
        app = create_app(settings)
    except (ValueError, ImportError) as exc:
        # The SDK raises ValueError when it cannot set up the app's credentials (e.g. OAuth metadata unreachable);
        # ImportError is an optional extra that is not installed (redis for GQL_MONITOR_REDIS_URL).
        sock.close()
        return fail(f"serve: cannot set up the app's credentials for DATABRICKS_HOST {settings.host} (is it the "
                    f"workspace URL, and reachable?): {_reason(exc)}")
    from gql_monitor.logs import configure

    configure(settings.log_format)
    bound_host, bound_port = sock.getsockname()[:2]
    workers = f", {settings.workers} workers" if settings.workers > 1 else ""
    print(f"gql-monitor: serving on http://{bound_host}:{bound_port} ({settings.data_access} data access{workers})",
          flush=True)
    if settings.workers > 1:
        app.state.services.close()
        return run_uvicorn_workers(sock, settings.workers)
    freeze_start_up_heap()
    return run_uvicorn(app, sock, logs_configured=True)


def cmd_export_schema(args) -> int:
    from gql_monitor.graphql.schema import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def cmd_settings(args) -> int:
    from gql_monitor.settings import markdown_table

    sys.stdout.write(markdown_table())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
