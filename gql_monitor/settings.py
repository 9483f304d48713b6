"""One typed settings object for the monitor, read from the standard Databricks environment and GQL_MONITOR_*."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Literal, Mapping
from urllib.parse import urlparse

from gql_monitor.clock import Clock, FixedClock, parse_instant, system_clock

DataAccess = Literal["obo", "service-principal"]
PREFIX = "GQL_MONITOR_"
# The id is spliced into the warehouse's HTTP path, so only what real ids use (hex, sometimes dashes) is let through.
_WAREHOUSE_ID = re.compile(r"[A-Za-z0-9-]+")


class ConfigError(Exception):
    """The configuration is incomplete or invalid; the message names what to set."""


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{PREFIX}{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(PREFIX + name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{PREFIX}{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    host: str
    warehouse_id: str
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    data_access: DataAccess = "service-principal"
    # Server-side limit on one warehouse statement, sent as the session's STATEMENT_TIMEOUT.
    statement_timeout_seconds: int = 120
    # Worker threads that run blocking connector and SDK calls, i.e. statements in flight at once.
    warehouse_concurrency: int = 8
    jobs_api_concurrency: int = 8
    # How long the SDK keeps retrying 429/503 before giving up; short, because a user is waiting.
    jobs_api_retry_seconds: int = 10
    # How long the connector keeps retrying a warehouse that answers 503 (starting up) before giving up.
    warehouse_retry_seconds: int = 30
    in_databricks_app: bool = False
    # System-table answers are cached for minutes (the tables lag by minutes anyway); Jobs API answers for seconds.
    table_cache_seconds: int = 300
    live_cache_seconds: int = 10
    cache_max_entries: int = 5000
    # Memory the in-process caches (answers and whole responses, stored encoded) may take, in bytes.
    cache_max_bytes: int = 256 * 1024 * 1024
    # Share the cache between replicas: redis://host:port/db
    redis_url: str | None = None
    # Browser origins allowed to call the API cross-origin; none by default.
    cors_origins: tuple[str, ...] = ()
    # Schema introspection (GraphiQL needs it); turn off for deployments that publish schema.graphql instead.
    introspection: bool = True
    max_query_cost: int = 20000
    # Largest HTTP request body accepted on /api/graphql; larger ones get 413 REQUEST_TOO_LARGE before being read.
    max_body_bytes: int = 256 * 1024
    # service-principal mode only: when set, only these user names may use the monitor.
    allowed_users: frozenset[str] = frozenset()
    # How often /api/health checks the sources: in the background, and at most this often on demand.
    health_refresh_seconds: int = 30
    # The demo's stand-in token used for browsers on loopback that send none; never set outside the demo.
    demo_default_token: str | None = None
    # Where "now" comes from for everything the monitor reports or windows by (gql_monitor/clock.py). The system
    # clock unless pinned: by tests, by `gql-monitor demo --now`, or by GQL_MONITOR_NOW to replay a moment.
    clock: Clock = field(default=system_clock, compare=False, repr=False)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_local(self) -> bool:
        """An http:// host is the local stand-in; everything real is https."""
        return self.host.startswith("http://")

    @property
    def warehouse_http_path(self) -> str:
        return f"/sql/1.0/warehouses/{self.warehouse_id}"

    @property
    def server_hostname(self) -> str:
        return urlparse(self.host).hostname or self.host

    @classmethod
    def for_stand_in(cls, base_url: str, **overrides) -> "Settings":
        """The monitor against the local workspace stand-in: its warehouse, its service principal for the app's own
        calls, and on-behalf-of data access so each stand-in user's grants apply."""
        values = dict(
            host=base_url,
            warehouse_id="local",
            client_id="local-sp",
            client_secret="local-sp-secret",
            data_access="obo",
        )
        return cls(**{**values, **overrides})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        missing = []
        host = (env.get("DATABRICKS_HOST") or "").strip().rstrip("/")
        if not host:
            missing.append("DATABRICKS_HOST")
        warehouse_id = (env.get("DATABRICKS_WAREHOUSE_ID") or "").strip()
        if not warehouse_id:
            missing.append("DATABRICKS_WAREHOUSE_ID")
        token = (env.get("DATABRICKS_TOKEN") or "").strip() or None
        client_id = (env.get("DATABRICKS_CLIENT_ID") or "").strip() or None
        client_secret = (env.get("DATABRICKS_CLIENT_SECRET") or "").strip() or None
        if not token and client_id and not client_secret:
            missing.append("DATABRICKS_CLIENT_SECRET (DATABRICKS_CLIENT_ID is set)")
        elif not token and client_secret and not client_id:
            missing.append("DATABRICKS_CLIENT_ID (DATABRICKS_CLIENT_SECRET is set)")
        elif not token and not (client_id and client_secret):
            missing.append("DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)")
        if missing:
            raise ConfigError("missing configuration: " + ", ".join(missing))
        if "://" not in host:
            # Apps may inject the workspace host without a scheme.
            host = "https://" + host
        try:
            parsed = urlparse(host)
            parsed.port  # raises on a port that is not a number
        except ValueError:
            raise ConfigError(f"DATABRICKS_HOST is not a URL: {host!r}") from None
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"DATABRICKS_HOST is not a URL: {host!r}")
        # A workspace URL copied from the browser carries a path or `?o=<workspace id>`; the SDK and the connector
        # want the bare origin.
        host = f"{parsed.scheme}://{parsed.netloc}"
        if not _WAREHOUSE_ID.fullmatch(warehouse_id):
            raise ConfigError(f"DATABRICKS_WAREHOUSE_ID is not a warehouse id: {warehouse_id!r}")
        data_access = (env.get(PREFIX + "DATA_ACCESS") or "service-principal").strip().lower()
        if data_access not in ("obo", "service-principal"):
            raise ConfigError(f"{PREFIX}DATA_ACCESS must be 'obo' or 'service-principal', got {data_access!r}")
        now = (env.get(PREFIX + "NOW") or "").strip()
        try:
            clock: Clock = FixedClock(parse_instant(now)) if now else system_clock
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}NOW: {exc}") from None
        return cls(
            host=host,
            warehouse_id=warehouse_id,
            token=token,
            client_id=client_id,
            client_secret=client_secret,
            data_access=data_access,  # type: ignore[arg-type]
            statement_timeout_seconds=_int(env, "STATEMENT_TIMEOUT_SECONDS", 120, 5, 3600),
            warehouse_concurrency=_int(env, "WAREHOUSE_CONCURRENCY", 8, 1, 64),
            jobs_api_concurrency=_int(env, "JOBS_API_CONCURRENCY", 8, 1, 64),
            jobs_api_retry_seconds=_int(env, "JOBS_API_RETRY_SECONDS", 10, 1, 300),
            warehouse_retry_seconds=_int(env, "WAREHOUSE_RETRY_SECONDS", 30, 1, 900),
            in_databricks_app=bool(env.get("DATABRICKS_APP_NAME")),
            table_cache_seconds=_int(env, "TABLE_CACHE_SECONDS", 300, 0, 86400),
            live_cache_seconds=_int(env, "LIVE_CACHE_SECONDS", 10, 0, 3600),
            cache_max_entries=_int(env, "CACHE_MAX_ENTRIES", 5000, 10, 10_000_000),
            cache_max_bytes=_int(env, "CACHE_MAX_BYTES", 256 * 1024 * 1024, 1024 * 1024, 1 << 40),
            health_refresh_seconds=_int(env, "HEALTH_REFRESH_SECONDS", 30, 1, 3600),
            redis_url=env.get(PREFIX + "REDIS_URL") or None,
            cors_origins=tuple(o.strip() for o in (env.get(PREFIX + "CORS_ORIGINS") or "").split(",") if o.strip()),
            introspection=_bool(env, "INTROSPECTION", True),
            max_query_cost=_int(env, "MAX_QUERY_COST", 20000, 100, 10_000_000),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 256 * 1024, 1024, 64 * 1024 * 1024),
            allowed_users=frozenset(
                u.strip() for u in (env.get(PREFIX + "ALLOWED_USERS") or "").split(",") if u.strip()
            ),
            clock=clock,
        )
