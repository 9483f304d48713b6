"""Keys of the segmented loaders: an item (a job) and the segment it shares with its siblings (a page, a window).
Keys of one segment are asked in one statement; each loader says which field is the segment (`split`)."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from gql_monitor.questions.duration_stats import DurationSpans
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.run_page_details import PageLookAhead
from gql_monitor.questions.runs import RunsQuery
from gql_monitor.questions.sla_runs import JobTarget
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class JobRunsKey:
    """A job's page of runs: `page` is the page every sibling job asks for (window, filters, cursor, size), and
    `look_ahead` what they also ask about its runs, in the same statement (None: nothing)."""

    job: JobKey
    page: RunsQuery
    look_ahead: PageLookAhead | None = None


@dataclass(frozen=True)
class JobWindowKey:
    """A question about one job in a window (its run statistics, its spend)."""

    job: JobKey
    window: Window


# (segment, item) of each key, for SegmentedLoader.
split_job_window = attrgetter("window", "job")


def split_job_runs(key: JobRunsKey) -> tuple[tuple[RunsQuery, PageLookAhead | None], JobKey]:
    """Sibling pages with different look-aheads are different statements."""
    return (key.page, key.look_ahead), key.job


@dataclass(frozen=True)
class JobDurationsKey:
    """A job's durations over the recent period and baseline every sibling shares."""

    job: JobKey
    spans: DurationSpans


@dataclass(frozen=True)
class JobSlaKey:
    """A job and its SLA target in a window: siblings of one window share a statement, whatever their targets."""

    job: JobTarget
    window: Window


split_job_durations = attrgetter("spans", "job")
split_job_sla = attrgetter("window", "job")
