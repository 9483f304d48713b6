"""One typed settings object for the monitor, read from the standard Databricks environment and GQL_MONITOR_*.

Each setting is declared once below: its type, default, bounds and a one-line description. The environment name is
the field's alias (`GQL_MONITOR_` + the field name, or a standard `DATABRICKS_*` name); `from_env` reads exactly those
names, and `markdown_table` documents them (README.md's table is checked against it). Fields without an alias (the
clock, the demo's token) are set by code only.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from typing import Any, Literal, Mapping
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic.fields import FieldInfo

from gql_monitor.clock import Clock, FixedClock, parse_instant, system_clock

DataAccess = Literal["obo", "service-principal"]
JobVisibility = Literal["all", "permissions"]
PREFIX = "GQL_MONITOR_"
# The id is spliced into the warehouse's HTTP path, so only what real ids use (hex, sometimes dashes) is let through.
_WAREHOUSE_ID = re.compile(r"[A-Za-z0-9-]+")
MiB = 1024 * 1024


class ConfigError(Exception):
    """The configuration is incomplete or invalid; the message names what to set."""


def _env(name: str, default: Any = None, description: str = "", **bounds: Any) -> Any:
    """A setting read from the environment variable `name` (a GQL_MONITOR_ name when it has no prefix)."""
    alias = name if name.startswith("DATABRICKS_") else PREFIX + name
    return Field(default=default, alias=alias, description=description, **bounds)


def _comma_list(value: Any) -> Any:
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True,
                              arbitrary_types_allowed=True)

    host: str = _env("DATABRICKS_HOST", ..., "the workspace URL; `https://` is assumed without a scheme, and a path "
                     "or `?o=...` is dropped")
    warehouse_id: str = _env("DATABRICKS_WAREHOUSE_ID", ..., "the SQL warehouse's id (letters, digits, dashes)")
    token: str | None = _env("DATABRICKS_TOKEN", None, "a token to call the workspace with; or the two below")
    client_id: str | None = _env("DATABRICKS_CLIENT_ID", None, "the app's service principal (OAuth M2M; injected "
                                 "inside an App)")
    client_secret: str | None = _env("DATABRICKS_CLIENT_SECRET", None, "its secret (injected inside an App)")
    in_databricks_app: bool = _env("DATABRICKS_APP_NAME", False, "set by the Apps runtime: trust the Apps proxy's "
                                   "identity headers and listen on `0.0.0.0`")
    data_access: DataAccess = _env("DATA_ACCESS", "service-principal", "`obo`: statements and Jobs API calls carry "
                                   "the caller's token, so their grants and job ACLs apply; `service-principal`: the "
                                   "app's own credentials")
    allowed_users: frozenset[str] = _env("ALLOWED_USERS", frozenset(), "service-principal mode: comma-separated "
                                         "user names allowed to use the monitor; not set: everyone")
    job_visibility: JobVisibility = _env("JOB_VISIBILITY", "all", "`all`: every caller sees every job; "
                                         "`permissions`: a caller sees the jobs whose permission list grants them, "
                                         "one of their groups or their ownership any level, and members of a "
                                         "full-view group see all (docs/security.md)")
    full_view_groups: frozenset[str] = _env("FULL_VIEW_GROUPS", frozenset({"admins"}), "`permissions` visibility: "
                                            "comma-separated workspace groups whose members see every job, all "
                                            "spend and the unattributed remainder")
    permissions_cache_seconds: int = _env("PERMISSIONS_CACHE_SECONDS", 300, "`permissions` visibility: how long "
                                          "the jobs' permission lists are reused before they are read again",
                                          ge=1, le=86400)
    permissions_concurrency: int = _env("PERMISSIONS_CONCURRENCY", 8, "`permissions` visibility: permission reads "
                                        "in flight at once", ge=1, le=64)
    permissions_retry_budget: int = _env("PERMISSIONS_RETRY_BUDGET", 100, "`permissions` visibility: throttled "
                                         "(429) permission reads retried per refresh; past it, a job whose list "
                                         "cannot be read is not visible", ge=0, le=100_000)
    permissions_retry_wait_ms: int = _env("PERMISSIONS_RETRY_WAIT_MS", 2000, "`permissions` visibility: the "
                                          "longest wait before retrying a throttled read, in milliseconds (the "
                                          "API's Retry-After, up to this)", ge=0, le=60_000)
    statement_timeout_seconds: int = _env("STATEMENT_TIMEOUT_SECONDS", 120, "the warehouse session's "
                                          "`STATEMENT_TIMEOUT`; inside an App, keep it under the proxy's 120 s "
                                          "(docs/deployment.md)", ge=5, le=3600)
    # Worker threads that run blocking connector and SDK calls, i.e. calls in flight at once.
    warehouse_concurrency: int = _env("WAREHOUSE_CONCURRENCY", 8, "statements in flight at once", ge=1, le=64)
    jobs_api_concurrency: int = _env("JOBS_API_CONCURRENCY", 8, "Jobs API calls in flight at once", ge=1, le=64)
    # Short, because a user is waiting.
    jobs_api_retry_seconds: int = _env("JOBS_API_RETRY_SECONDS", 10, "how long Jobs API 429/503 answers are retried",
                                       ge=1, le=300)
    warehouse_retry_seconds: int = _env("WAREHOUSE_RETRY_SECONDS", 30, "how long a starting warehouse (503) is "
                                        "retried", ge=1, le=900)
    table_cache_seconds: int = _env("TABLE_CACHE_SECONDS", 300, "how long system-table answers are reused (the "
                                    "tables lag by minutes anyway); 0 turns the cache off", ge=0, le=86400)
    live_cache_seconds: int = _env("LIVE_CACHE_SECONDS", 10, "how long Jobs API answers are reused; 0 turns the "
                                   "cache off", ge=0, le=3600)
    cache_max_bytes: int = _env("CACHE_MAX_BYTES", 256 * MiB, "memory the in-process caches (answers and whole "
                                "responses, stored encoded) may take, in bytes (256 MiB by default); least recently "
                                "used entries go first, and one entry may take at most an eighth",
                                ge=MiB, le=1 << 40)
    cache_max_entries: int = _env("CACHE_MAX_ENTRIES", 5000, "bound on the number of cached entries (answers and "
                                  "responses)", ge=10, le=10_000_000)
    health_refresh_seconds: int = _env("HEALTH_REFRESH_SECONDS", 30, "how often `/api/health` checks the sources, in "
                                       "the background (while one fails, calls re-check after 5 s); calls are "
                                       "answered from the last check", ge=1, le=3600)
    redis_url: str | None = _env("REDIS_URL", None, "`redis://host:port/db`: share answers between replicas (needs "
                                 "the `redis` package); not set: in memory")
    max_query_cost: int = _env("MAX_QUERY_COST", 20000, "queries whose computed cost is higher are refused "
                               "(`QUERY_TOO_COMPLEX`)", ge=100, le=10_000_000)
    max_response_values: int = _env("MAX_RESPONSE_VALUES", 100_000, "the most values (field values and list items) "
                                    "one answer may hold; a bigger one is refused (`QUERY_TOO_COMPLEX`) while it is "
                                    "built", ge=100, le=10_000_000)
    max_body_bytes: int = _env("MAX_BODY_BYTES", 256 * 1024, "largest request body on `/api/graphql`; larger ones "
                               "get 413 (`REQUEST_TOO_LARGE`) before being read", ge=1024, le=64 * MiB)
    introspection: bool = _env("INTROSPECTION", True, "schema introspection and GraphiQL; turn it off for "
                               "deployments that publish `schema.graphql` instead")
    log_format: Literal["json", "text"] = _env("LOG_FORMAT", "json", "`serve`'s log lines: `json`, one object per "
                                                "line with the request id, a hash of the caller, the operation and "
                                                "what it cost (never a token); or `text`")
    workers: int = _env("WORKERS", 1, "`serve`'s worker processes, each with its own caches, warehouse sessions "
                        "and background reads; one per vCPU at most (docs/deployment.md \"Sizing\"), with "
                        "`GQL_MONITOR_REDIS_URL` so they share answers", ge=1, le=32)
    cors_origins: tuple[str, ...] = _env("CORS_ORIGINS", (), "comma-separated browser origins allowed to call the "
                                         "API cross-origin; not set: none")
    # -- Subscriptions over websockets (gql_monitor/subscriptions/; docs/api.md "Subscriptions") -------------------
    subscription_poll_seconds: float = _env("SUBSCRIPTION_POLL_SECONDS", 10.0, "subscriptions: how often the one "
                                            "poller of each visibility scope reads the Jobs API's active runs, "
                                            "whatever the number of subscribers (fractions allowed)", ge=0.05,
                                            le=300)
    subscription_max_connections: int = _env("SUBSCRIPTION_MAX_CONNECTIONS", 500, "subscriptions: websocket "
                                              "connections this process serves at once; more are closed with 4429; "
                                              "0 turns websockets off (clients poll instead)", ge=0, le=100_000)
    subscription_max_connections_per_caller: int = _env("SUBSCRIPTION_MAX_CONNECTIONS_PER_CALLER", 16,
                                                        "subscriptions: websocket connections one caller may hold "
                                                        "at once; more are closed with 4429", ge=1, le=10_000)
    subscription_max_messages_per_minute: int = _env("SUBSCRIPTION_MAX_MESSAGES_PER_MINUTE", 120, "subscriptions: "
                                                     "messages a client may send on one connection per minute (a "
                                                     "burst of this many, refilled evenly); past it the connection "
                                                     "is closed with 4429", ge=5, le=100_000)
    subscription_recheck_seconds: int = _env("SUBSCRIPTION_RECHECK_SECONDS", 300, "subscriptions: how often an open "
                                             "connection's token is checked again with the workspace; one no longer "
                                             "accepted (expired, revoked, logged out) closes it with 4401", ge=1,
                                             le=3600)
    # -- Insight thresholds (gql_monitor/insights/; docs/metrics.md defines each rule) ------------------------------
    sla_tag: str = _env("SLA_TAG", "sla_minutes", "the job tag whose value is the job's SLA in minutes (a run longer "
                        "than that breaches it)", min_length=1, max_length=255)
    default_sla_minutes: int | None = _env("DEFAULT_SLA_MINUTES", None, "the SLA of jobs without the tag, in "
                                           "minutes; not set: such jobs have none", ge=1, le=525_600)
    health_p1_failure_streak: int = _env("HEALTH_P1_FAILURE_STREAK", 3, "a job is P1 (and raises a CRITICAL "
                                         "FAILING_STREAK alert) when this many of its latest finished runs failed in "
                                         "a row", ge=1, le=1000)
    health_p2_success_rate: float = _env("HEALTH_P2_SUCCESS_RATE", 0.8, "a job is P2 when its 7-day success rate is "
                                         "below this (with the minimum runs below), or its latest run failed", ge=0,
                                         le=1)
    health_p3_success_rate: float = _env("HEALTH_P3_SUCCESS_RATE", 0.85, "a job is P3, and raises a WARNING "
                                         "LOW_SUCCESS_RATE alert, when its 7-day success rate is below this (with the "
                                         "minimum runs below)", ge=0, le=1)
    health_min_finished_runs: int = _env("HEALTH_MIN_FINISHED_RUNS", 5, "a 7-day success rate is judged only over at "
                                         "least this many finished runs", ge=1, le=10_000)
    health_min_failed_runs: int = _env("HEALTH_MIN_FAILED_RUNS", 2, "a 7-day success rate is judged only when at "
                                       "least this many of those runs failed: one failure is not a trend", ge=1,
                                       le=10_000)
    duration_recent_days: int = _env("DURATION_RECENT_DAYS", 7, "durations: the recent period (days up to now) whose "
                                     "successful runs' median is compared with the baseline's", ge=1, le=90)
    duration_baseline_days: int = _env("DURATION_BASELINE_DAYS", 30, "durations: the baseline, the days before the "
                                       "recent period; its p95 is also the job's usual duration", ge=1, le=365)
    duration_min_runs: int = _env("DURATION_MIN_RUNS", 5, "durations: successful runs needed in each of the recent "
                                  "period and the baseline before a regression is judged", ge=1, le=1000)
    duration_regression_ratio: float = _env("DURATION_REGRESSION_RATIO", 1.5, "durations: recent median / baseline "
                                            "median from which a job has regressed", ge=1, le=100)
    duration_outlier_factor: float = _env("DURATION_OUTLIER_FACTOR", 1.5, "durations: a finished run longer than "
                                          "its job's baseline p95 times this is an outlier", ge=1, le=100)
    longer_than_usual_factor: float = _env("LONGER_THAN_USUAL_FACTOR", 1.0, "durations: a run in progress for "
                                           "longer than its job's baseline p95 times this is longer than usual",
                                           ge=1, le=100)
    sla_at_risk_share: float = _env("SLA_AT_RISK_SHARE", 0.8, "SLAs: a run in progress for this share of its "
                                    "job's SLA or more is at risk", ge=0.05, le=1)
    late_start_minutes: int = _env("LATE_START_MINUTES", 5, "schedules: a scheduled run starting more than this "
                                   "after its fire time started late", ge=1, le=1440)
    missed_schedule_minutes: int = _env("MISSED_SCHEDULE_MINUTES", 120, "schedules: a fire time with no scheduled "
                                        "run starting within this (or before the next fire time, if sooner) was "
                                        "missed", ge=1, le=10_080)
    late_start_warning_count: int = _env("LATE_START_WARNING_COUNT", 3, "schedules: late starts in the window from "
                                         "which a LATE_START alert is a WARNING (below: INFO)", ge=1, le=10_000)
    cost_anomaly_factor: float = _env("COST_ANOMALY_FACTOR", 2.0, "a finished run is a cost anomaly when it cost more "
                                      "than this many times the p90 of its job's other finished runs", ge=1, le=1000)
    cost_anomaly_min_runs: int = _env("COST_ANOMALY_MIN_RUNS", 10, "the fewest other finished runs a job needs before "
                                      "its runs' cost is judged", ge=2, le=10_000)
    cost_anomaly_baseline_days: int = _env("COST_ANOMALY_BASELINE_DAYS", 30, "days before the window whose runs join "
                                           "the window's own in a job's cost baseline", ge=0, le=365)
    spend_spike_factor: float = _env("SPEND_SPIKE_FACTOR", 2.0, "a day's spend (the account's or a job's) is a spike "
                                     "when it is more than this many times the median of its baseline days", ge=1,
                                     le=1000)
    spend_spike_baseline_days: int = _env("SPEND_SPIKE_BASELINE_DAYS", 14, "the days before a day that make its "
                                          "baseline (days with spend; at least half of them must have some)", ge=2,
                                          le=90)
    spend_spike_min_usd: int = _env("SPEND_SPIKE_MIN_USD", 100, "a spike must also be at least this many US dollars "
                                    "above its baseline median", ge=0, le=1_000_000_000)
    forecast_trailing_days: int = _env("FORECAST_TRAILING_DAYS", 7, "the month-end forecast projects the average "
                                       "daily spend of this many latest fully billed days", ge=1, le=28)
    # -- end of insight thresholds -------------------------------------------------------------------------------
    now: datetime | None = _env("NOW", None, "an ISO-8601 instant (`2026-11-20T12:07:00Z`; no offset means UTC) that "
                                "pins the monitor's clock: default windows, `checkedAt` and cache stamps read it. For "
                                "replaying a moment against a stand-in; never set it in production")
    # Where "now" comes from for everything the monitor reports or windows by (gql_monitor/clock.py). The system
    # clock unless pinned: by tests, by `gql-monitor demo --now`, or by GQL_MONITOR_NOW to replay a moment.
    clock: Clock = Field(default=system_clock, repr=False)
    # The demo's stand-in token used for browsers on loopback that send none; never set outside the demo.
    demo_default_token: str | None = None

    @field_validator("host")
    @classmethod
    def _origin(cls, host: str) -> str:
        host = host.strip().rstrip("/")
        if "://" not in host:
            # Apps may inject the workspace host without a scheme.
            host = "https://" + host
        try:
            parsed = urlparse(host)
            parsed.port  # raises on a port that is not a number
        except ValueError:
            raise ValueError(f"is not a URL: {host!r}") from None
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"is not a URL: {host!r}")
        # A workspace URL copied from the browser carries a path or `?o=<workspace id>`; the SDK and the connector
        # want the bare origin.
        return f"{parsed.scheme}://{parsed.netloc}"

    @field_validator("warehouse_id")
    @classmethod
    def _warehouse_id(cls, value: str) -> str:
        if not _WAREHOUSE_ID.fullmatch(value):
            raise ValueError(f"is not a warehouse id: {value!r}")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _whole_number(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic reads "10.0" as 10; a count or a number of seconds in the environment is digits only.
        if isinstance(value, str) and cls.model_fields[info.field_name].annotation in (int, int | None) \
                and not re.fullmatch(r"[+-]?\d+", value):
            raise PydanticCustomError("int_parsing", "not a whole number")
        return value

    @field_validator("in_databricks_app", mode="before")
    @classmethod
    def _set_means_true(cls, value: Any) -> Any:
        return bool(value) if isinstance(value, str) else value

    @field_validator("data_access", "job_visibility", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("allowed_users", "cors_origins", "full_view_groups", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _comma_list(value)

    @field_validator("full_view_groups")
    @classmethod
    def _group_names(cls, groups: frozenset[str]) -> frozenset[str]:
        for name in groups:
            if len(name) > 255 or not name.isprintable():
                raise ValueError(f"is not a list of group names: {name[:40]!r} is too long or holds control "
                                 "characters")
        return groups

    @field_validator("now", mode="before")
    @classmethod
    def _instant(cls, value: Any) -> Any:
        return parse_instant(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _pinned_clock(self) -> "Settings":
        if self.now is not None and self.clock is system_clock:
            object.__setattr__(self, "clock", FixedClock(self.now))
        return self

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
        # An empty variable counts as unset, as most deployment tools cannot unset one.
        given = {name: value.strip() for name in env_names() if (value := env.get(name)) and value.strip()}
        _require_credentials(given)
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            raise ConfigError("; ".join(_reason(error) for error in exc.errors())) from None


def env_names() -> list[str]:
    """Every environment variable the settings read, in declaration order."""
    return [info.alias for info in Settings.model_fields.values() if info.alias]


def _require_credentials(given: Mapping[str, str]) -> None:
    missing = [name for name in ("DATABRICKS_HOST", "DATABRICKS_WAREHOUSE_ID") if name not in given]
    token, client_id, secret = (name in given for name in
                                ("DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET"))
    if not token and client_id and not secret:
        missing.append("DATABRICKS_CLIENT_SECRET (DATABRICKS_CLIENT_ID is set)")
    elif not token and secret and not client_id:
        missing.append("DATABRICKS_CLIENT_ID (DATABRICKS_CLIENT_SECRET is set)")
    elif not token and not (client_id and secret):
        missing.append("DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)")
    if missing:
        raise ConfigError("missing configuration: " + ", ".join(missing))


def _bounds(info: FieldInfo) -> tuple[Any, Any]:
    low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
    return low, high


def _reason(error: Mapping[str, Any]) -> str:
    """One pydantic error as one clause naming the variable, e.g. `GQL_MONITOR_X must be between 1 and 64, got 99`."""
    # from_env validates by alias, so the location is the variable's name.
    name = str(error["loc"][0]) if error["loc"] else ""
    info = next((i for f, i in Settings.model_fields.items() if name in (f, i.alias)), None)
    kind, given = error["type"], error.get("input")
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return f"{name} must be a whole number, got {given!r}"
    if kind in ("greater_than_equal", "less_than_equal") and info:
        low, high = _bounds(info)
        return f"{name} must be between {low} and {high}, got {given}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{name} must be true or false, got {given!r}"
    if kind == "literal_error":
        return f"{name} must be {error['ctx']['expected']}, got {given!r}"
    if kind == "value_error":
        reason = str(error["ctx"]["error"])
        # A reason that names the value reads after the name ("is not a URL: ..."); a parser's sentence after a colon.
        return f"{name} {reason}" if reason.startswith("is ") else f"{name}: {reason}"
    return f"{name}: {error['msg']}"


def _shown_default(info: FieldInfo) -> str:
    if info.is_required():
        return "(required)"
    default = info.default
    if default is None or default == () or default == frozenset() or default is False:
        return "(not set)"
    if default is True:
        return "`true`"
    if isinstance(default, frozenset):
        return "`" + ",".join(sorted(default)) + "`"
    return f"`{default}`"


def markdown_table() -> str:
    """The settings as a Markdown table: variable, default, allowed values, meaning (README.md holds a copy)."""
    rows = ["| variable | default | allowed | meaning |", "|---|---|---|---|"]
    for info in Settings.model_fields.values():
        if not info.alias:
            continue
        low, high = _bounds(info)
        allowed = f"{low:_}..{high:_}".replace("_", ",") if low is not None else ""
        if info.annotation is bool and info.alias.startswith(PREFIX):
            allowed = "`true`, `false`"
        elif info.annotation == DataAccess:
            allowed = "`obo`, `service-principal`"
        elif info.annotation == JobVisibility:
            allowed = "`all`, `permissions`"
        elif info.alias == PREFIX + "LOG_FORMAT":
            allowed = "`json`, `text`"
        rows.append(f"| `{info.alias}` | {_shown_default(info)} | {allowed} | {info.description} |")
    return "\n".join(rows) + "\n"
