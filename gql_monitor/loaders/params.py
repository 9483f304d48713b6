"""Statement parameters: one place that knows every parameter a SQL file declares and its 'unfiltered' value."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# How far before a window's start `_run_rollup.sql` looks for earlier slices of the runs it sees, to leave out runs
# that started before the window. A running run's slices follow each other hourly, so an hour would do for runs that
# cross the window start while running; the lookback is longer for repairs, which come after a gap. A repair made
# more than this long after its run's previous attempt ended is taken for a run that starts at the repair. Only key
# columns are read in the lookback, so it costs far less than the window itself.
RUN_LOOKBACK = timedelta(days=7)
# How far back the system tables keep runs: the catalog's look-back for jobs that ran but left the jobs table, and
# the window in which runs are found by id or as a job's latest.
RETENTION = timedelta(days=365)
# How far back the freshness probe looks for the tables' latest rows.
FRESHNESS_LOOKBACK = timedelta(days=31)

# Parameters of runs.sql, each defaulting to "not filtered".
RUN_FILTER_DEFAULTS: dict[str, Any] = {
    "workspace_id": None,
    "job_keys": None,
    "run_keys": None,
    "result_states": None,
    "termination_codes": None,
    "trigger_types": None,
    "run_types": None,
    "min_duration_seconds": None,
    "in_progress": None,
    "after_start": None,
    "after_key": None,
    "per_job": False,
}

JOB_FILTER_DEFAULTS: dict[str, Any] = {
    "workspace_id": None,
    "job_keys": None,
    "include_deleted": False,
    "name_search": None,
    "run_as": None,
    "creator": None,
    "tag_keys": None,
    "tag_value_keys": None,
    "tag_values": None,
    "in_jobs_table": None,
    "order_by": "NAME",
    "after_sort": None,
    "after_key": None,
}


def window(start: datetime, end: datetime) -> dict[str, Any]:
    """Runs (by the start of their first slice) in [start, end)."""
    return {"window_start": start, "window_end": end, "lookback_start": start - RUN_LOOKBACK}


def usage_window(start: datetime, end: datetime) -> dict[str, Any]:
    """Usage records (by usage_start_time) in [start, end)."""
    return {"usage_start": start, "usage_end": end}


def hour_floor(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def run_usage_span(earliest_run_start: datetime, now: datetime) -> tuple[datetime, datetime]:
    """Where runs' usage lies: from the hour the earliest run started (no usage precedes it) to the current hour's end."""
    return hour_floor(earliest_run_start), now + timedelta(hours=1)


def list_or_none(values) -> list | None:
    """Empty lists become NULL: the connector cannot infer an element type for an empty array."""
    values = list(values or ())
    return values or None
