"""Windows of time and how the statements read them: runs by the start of their first slice, usage by its start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from gql_monitor.questions.keys import JobKey, RunRef

# How far before a window's start `_run_rollup.sql` looks for earlier slices of the runs it sees, to leave out runs
# that started before the window. A running run's slices follow each other hourly, so an hour would do for runs that
# cross the window start while running; the lookback is longer for repairs, which come after a gap. A repair made
# more than this long after its run's previous attempt ended is taken for a run that starts at the repair. Only key
# columns are read in the lookback, so it costs far less than the window itself.
RUN_LOOKBACK = timedelta(days=7)
# How far back the system tables keep runs: the catalog's look-back for jobs that ran but left the jobs table, and
# the window in which runs are found by id or as a job's latest.
RETENTION = timedelta(days=365)


@dataclass(frozen=True)
class Window:
    """[start, end), aware UTC instants."""

    start: datetime
    end: datetime

    @classmethod
    def retention(cls, now: datetime) -> "Window":
        """Everything the tables still keep, up to `now`."""
        return cls(now - RETENTION, now)

    def run_params(self) -> dict[str, Any]:
        """Runs (by the start of their first slice) in the window (`_run_rollup.sql`)."""
        return {"window_start": self.start, "window_end": self.end, "lookback_start": self.start - RUN_LOOKBACK}

    def usage_params(self) -> dict[str, Any]:
        """Usage records (by usage_start_time) in the window."""
        return {"usage_start": self.start, "usage_end": self.end}


def hour_floor(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def run_usage_span(earliest_run_start: datetime, now: datetime) -> Window:
    """Where runs' usage lies: from the hour the earliest run started (no usage precedes it) to the current hour's end."""
    return Window(hour_floor(earliest_run_start), now + timedelta(hours=1))


def runs_usage_span(runs: Iterable[RunRef], now: datetime) -> Window:
    return run_usage_span(min(run.start for run in runs), now)


@dataclass(frozen=True)
class JobsInWindow:
    """Fields of a question about some jobs in a window (their run statistics, their spend)."""

    job_keys: tuple[JobKey, ...]
    window: Window
