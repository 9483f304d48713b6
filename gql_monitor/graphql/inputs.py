"""Input types, enums and the validation every argument goes through (caps, windows, cursors), including the check
at the edge that every value of a request passes before validation and coercion."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any

import strawberry
from graphql import DocumentNode, ListValueNode, OperationDefinitionNode, StringValueNode, Visitor, visit

from gql_monitor.errors import BadUserInput
from gql_monitor.insights.health import Priority
from gql_monitor.questions.windows import Window

MAX_PAGE_SIZE = 100
MAX_WINDOW = timedelta(days=366)
DEFAULT_WINDOW = timedelta(days=30)
MAX_STRING = 200
MAX_LIST = 50


@strawberry.enum(description="Result states of the system tables' run timeline (they differ from the Jobs API's).")
class ResultState(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ERROR = "ERROR"
    TIMED_OUT = "TIMED_OUT"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"
    BLOCKED = "BLOCKED"


@strawberry.enum(description="How a run was triggered, in the system tables' vocabulary.")
class TriggerType(Enum):
    CRON = "CRON"
    ONETIME = "ONETIME"
    ONETIME_RETRY = "ONETIME_RETRY"
    FILE_ARRIVAL = "FILE_ARRIVAL"
    CONTINUOUS = "CONTINUOUS"
    TABLE = "TABLE"


@strawberry.enum(description="Kind of run: a job run, a one-time submitted run, or a notebook workflow run.")
class RunType(Enum):
    JOB_RUN = "JOB_RUN"
    SUBMIT_RUN = "SUBMIT_RUN"
    WORKFLOW_RUN = "WORKFLOW_RUN"


@strawberry.enum(description="Order of a job list. Health orders are as of now (`Job.health`).")
class JobOrder(Enum):
    NAME = strawberry.enum_value("NAME", description="By name, case-insensitive, unnamed jobs first, ties by id.")
    ID = strawberry.enum_value("ID", description="By workspace id, then job id.")
    PRIORITY = strawberry.enum_value(
        "PRIORITY", description="`health.priority` P1 first, then the longest `failureStreak`, then by name.")
    FAILURE_STREAK = strawberry.enum_value(
        "FAILURE_STREAK", description="The longest `health.failureStreak` first, then by name.")
    SUCCESS_RATE = strawberry.enum_value(
        "SUCCESS_RATE", description="The lowest `health.last7Days.successRate` first, then by name; jobs without a "
                                    "finished run in 7 days last.")
    COST = strawberry.enum_value(
        "COST", description="The highest list cost of the job's usage in `window` first (`cost(window)`; by "
                            "default the last 30 days, as `cost` defaults to), then by name.")
    LAST_RUN = strawberry.enum_value(
        "LAST_RUN", description="The newest `lastRun` start first, then by name; jobs without a run in retention "
                                "last.")
    DURATION = strawberry.enum_value(
        "DURATION", description="The longest p95 duration of the job's finished runs in `window` first "
                                "(`runStats(window).duration.p95`), then by name; jobs without a finished run there "
                                "last.")


@strawberry.enum(description="Order of a list of runs across jobs; ties by start time (newest first), then by id.")
class RunOrder(Enum):
    START_TIME = strawberry.enum_value("START_TIME", description="The newest first (by the start of the run).")
    DURATION = strawberry.enum_value(
        "DURATION", description="The longest `durationSeconds` first (for runs in progress, the time covered so far).")
    COST = strawberry.enum_value(
        "COST", description="The highest list cost of the usage billed to the run first (as `Run.cost`); runs with no "
                            "usage billed to them (all-purpose compute, or not billed yet) last.")


JobPriority = strawberry.enum(
    Priority, name="JobPriority",
    description="What a job's health calls for (docs/metrics.md, \"Job health\"): P1 act now, P2 act today, P3 look "
                "this week, HEALTHY nothing.")


@strawberry.enum(description="What account spend is grouped by.")
class CostDimension(Enum):
    JOB = "JOB"
    SKU = "SKU"
    WORKSPACE = "WORKSPACE"
    TAG = "TAG"
    RUN_AS = "RUN_AS"
    PRODUCT = "PRODUCT"
    DAY = "DAY"


@strawberry.input(description="A time window. Give `start` (and optionally `end`, default now) or `lastDays`. "
                              "Windows are capped at 366 days.")
class TimeWindowInput:
    start: datetime | None = strawberry.field(default=None, description="Inclusive start.")
    end: datetime | None = strawberry.field(default=None, description="Exclusive end; default now.")
    last_days: int | None = strawberry.field(default=None, description="The last N days up to now (1 to 366).")


@strawberry.input(description="A tag a job must carry; with `value` omitted any value matches.")
class TagFilter:
    key: str = strawberry.field(description="The tag key the job must carry (exact).")
    value: str | None = strawberry.field(default=None, description="The tag's value (exact); omit to match any value.")


@strawberry.input(description="Filters on jobs. Every given filter must match.")
class JobFilter:
    workspace_id: str | None = strawberry.field(default=None, description="Only jobs of this workspace.")
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name, matched literally (no wildcards)."
    )
    tags: list[TagFilter] | None = strawberry.field(default=None, description="At most 3 tags, all must match.")
    run_as: str | None = strawberry.field(default=None, description="The identity runs execute as (exact).")
    creator: str | None = strawberry.field(default=None, description="Who created the job (exact).")
    include_deleted: bool = strawberry.field(default=False, description="Include jobs deleted from the workspace.")
    in_jobs_table: bool | None = strawberry.field(
        default=None, description="true: only jobs in system.lakeflow.jobs; false: only jobs known from runs alone."
    )
    priorities: list[JobPriority] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only jobs whose `health.priority` (as of now) is one of these; empty: no filter."
    )


@strawberry.input(description="Filters on runs. Every given filter must match.")
class RunFilter:
    workspace_id: str | None = strawberry.field(default=None, description="Only runs of this workspace.")
    job_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Job ids (`workspace:job`).")
    result_states: list[ResultState] | None = strawberry.field(
        default=None,
        description="Only runs whose latest outcome is one of these (empty: no filter); in-progress runs never match.",
    )
    termination_codes: list[str] | None = strawberry.field(
        default=None,
        description="Only runs whose termination code (system tables' vocabulary, exact) is one of these (empty: "
        "no filter); at most 50.",
    )
    trigger_types: list[TriggerType] | None = strawberry.field(
        default=None, description="Only runs triggered in one of these ways (empty: no filter)."
    )
    run_types: list[RunType] | None = strawberry.field(
        default=None, description="Only runs of these kinds (empty: no filter)."
    )
    min_duration_seconds: int | None = strawberry.field(
        default=None,
        description="Only runs lasting at least this many seconds (`Run.durationSeconds`; for runs in progress, the "
        "time covered so far). Not negative.",
    )
    in_progress: bool | None = strawberry.field(
        default=None, description="true: only runs with no end row yet; false: only finished runs."
    )


@strawberry.input(description="Filters on spend.")
class CostFilter:
    workspace_id: str | None = strawberry.field(default=None, description="Only usage of this workspace.")
    skus: list[str] | None = strawberry.field(
        default=None, description="Only usage of these SKUs (`sku_name`, exact; empty: no filter); at most 50."
    )
    products: list[str] | None = strawberry.field(default=None, description="billing_origin_product values.")
    min_list_cost: Decimal | None = strawberry.field(
        default=None,
        description="Only list groups whose list cost is at least this amount. The unattributed group is always "
                    "listed, and `total`, `attributedToJobs` and `unattributedToJobs` still cover every group.",
    )


# -- arguments shared by several fields ---------------------------------------------------------------------------

FirstArgument = Annotated[int, strawberry.argument(description="Page size, 1 to 100.")]
RunsAfterArgument = Annotated[
    str | None,
    strawberry.argument(description="Return the runs after this cursor (an edge's `cursor` or `pageInfo.endCursor` "
                                    "of this list)."),
]
RunWindowArgument = Annotated[
    TimeWindowInput | None, strawberry.argument(description="Window the runs started in; default: last 30 days.")
]


# -- validation --------------------------------------------------------------------------------------------------


def page_size(first: int, most: int = MAX_PAGE_SIZE) -> int:
    if not 1 <= first <= most:
        raise BadUserInput(f"`first` must be between 1 and {most}, got {first}.")
    return first


def text(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_STRING:
        raise BadUserInput(f"{what} is longer than {MAX_STRING} characters.")
    if "\x00" in value:
        raise BadUserInput(f"{what} contains a NUL character.")
    return value


def finite(value: Decimal | None, what: str) -> Decimal | None:
    """Decimal inputs accept "NaN" and "Infinity", which no comparison with an amount can use."""
    if value is not None and not value.is_finite():
        raise BadUserInput(f"{what} must be a finite number, got {str(value)[:20]!r}.")
    return value


def texts(values: list[str] | None, what: str) -> list[str] | None:
    if values is None:
        return None
    if len(values) > MAX_LIST:
        raise BadUserInput(f"{what} has more than {MAX_LIST} values.")
    return [text(v, what) for v in values]  # type: ignore[misc]


def resolve_window(window: TimeWindowInput | None, now: datetime) -> Window:
    if window is None:
        return Window(now - DEFAULT_WINDOW, now)
    if window.last_days is not None:
        if window.start is not None or window.end is not None:
            raise BadUserInput("Give either `lastDays` or `start`/`end`, not both.")
        if not 1 <= window.last_days <= MAX_WINDOW.days:
            raise BadUserInput(f"`lastDays` must be between 1 and {MAX_WINDOW.days}, got {window.last_days}.")
        return Window(now - timedelta(days=window.last_days), now)
    if window.start is None:
        raise BadUserInput("A window needs `start` or `lastDays`.")
    start = _utc(window.start)
    end = _utc(window.end) if window.end is not None else now
    if end <= start:
        raise BadUserInput("The window's `end` must be after its `start`.")
    if end - start > MAX_WINDOW:
        raise BadUserInput(f"The window is longer than the maximum of {MAX_WINDOW.days} days.")
    return Window(start, end)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def split_id(value: str, what: str) -> tuple[str, str]:
    """`workspace:number` ids; anything else is malformed input."""
    workspace, sep, number = str(value).partition(":")
    if not sep or not workspace.isdigit() or not number.isdigit() or len(value) > 64:
        raise BadUserInput(f"{what} must look like `<workspace id>:<number>`, got {str(value)[:80]!r}.")
    return workspace, number


# -- cursors -----------------------------------------------------------------------------------------------------


def encode_cursor(kind: str, values: list[Any]) -> str:
    payload = json.dumps([kind, *values], default=_json_default, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def cursor_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def cursor_time(value: Any) -> datetime:
    return datetime.fromisoformat(cursor_text(value))


def cursor_decimal_or_none(value: Any) -> str | None:
    """A rank value as the statements hold them (DECIMAL(38, 6)) in plain notation, or None. A forged exponent
    ("1e999999999") must not become a billion digits on its way to the warehouse."""
    if value is None:
        return None
    text = cursor_text(value)
    try:
        number = Decimal(text)
        if len(text) > 64 or not number.is_finite() or number.adjusted() > 31:
            raise ValueError("not a rank value")
        return format(number.quantize(RANK_STEP), "f")
    except InvalidOperation:
        raise ValueError("not a decimal") from None


RANK_STEP = Decimal("0.000001")


def decode_cursor(cursor: str, kind: str, fields: tuple) -> list[Any]:
    """The values `encode_cursor` put in, each checked by its parser in `fields`: a cursor is caller input, and a
    forged one must be refused here, not fail later inside a statement."""
    try:
        if len(cursor) > 1024:
            raise ValueError("too long")
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(payload, list) or not payload or payload[0] != kind or len(payload) != len(fields) + 1:
            raise ValueError("wrong shape")
        return [parse(value) for parse, value in zip(fields, payload[1:])]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, IndexError, RecursionError):
        raise BadUserInput("`after` is not a cursor this list gave out.") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value))


# -- the edge: every value a request carries, before validation and coercion -------------------------------------

# Any string a request carries (ids, cursors, dates, amounts, names); text filters are held to MAX_STRING as well.
MAX_INPUT_STRING = 1024


def check_request_values(document: DocumentNode | None, variables: Any) -> None:
    """Every string of the request (literals, the values of the variables the document declares, input field names
    in them) is well-formed Unicode without NUL and at most MAX_INPUT_STRING long, and every list has at most MAX_LIST
    values, whatever argument it is for. Runs before validation and coercion, whose messages would echo the value;
    ours name where it is. Variables the document does not declare are never read (the body limit bounds them)."""
    if document is None:
        return
    visit(document, _LiteralCheck())
    if isinstance(variables, dict):
        declared = {definition.variable.name.value for operation in document.definitions
                    if isinstance(operation, OperationDefinitionNode)
                    for definition in operation.variable_definitions or ()}
        _check_variables({name: value for name, value in variables.items() if name in declared})


def _check_variables(variables: dict[str, Any]) -> None:
    # Declared names are GraphQL names (ASCII letters, digits, _): safe to name in a message.
    stack: list[tuple[Any, str]] = [(value, f"Variable `${name}`") for name, value in variables.items()]
    while stack:  # iterative: variables may nest deeper than the recursion limit
        value, where = stack.pop()
        if isinstance(value, str):
            _check_string(value, f"A value of {where}")
        elif isinstance(value, list):
            _check_list_length(len(value), where)
            stack.extend((item, where) for item in value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_string(key, f"A field name in {where}")
                stack.append((item, where))


class _LiteralCheck(Visitor):
    def enter_string_value(self, node: StringValueNode, *_args) -> None:
        _check_string(node.value, f"The string at {_at(node)}")

    def enter_list_value(self, node: ListValueNode, *_args) -> None:
        _check_list_length(len(node.values), f"The list at {_at(node)}")


def _at(node) -> str:
    if node.loc is None:
        return "a literal"
    location = node.loc.source.get_location(node.loc.start)
    return f"line {location.line}, column {location.column}"


def _check_string(value: str, where: str) -> None:
    if len(value) > MAX_INPUT_STRING:
        raise BadUserInput(f"{where} is longer than {MAX_INPUT_STRING} characters.")
    if "\x00" in value:
        raise BadUserInput(f"{where} contains a NUL character.")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadUserInput(f"{where} is not well-formed Unicode (it holds an unpaired surrogate).") from None


def _check_list_length(length: int, where: str) -> None:
    if length > MAX_LIST:
        raise BadUserInput(f"{where} has {length} values; a list takes at most {MAX_LIST}.")
