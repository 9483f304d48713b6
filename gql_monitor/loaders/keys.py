"""Keys of the segmented loaders: an item (a job) and the segment it shares with its siblings (a page, a window).
Keys of one segment are asked in one statement; each loader says which field is the segment (`split`)."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.runs import RunsQuery
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class JobRunsKey:
    """A job's page of runs: `page` is the page every sibling job asks for (window, filters, cursor, size)."""

    job: JobKey
    page: RunsQuery


@dataclass(frozen=True)
class JobWindowKey:
    """A question about one job in a window (its run statistics, its spend)."""

    job: JobKey
    window: Window


# (segment, item) of each key, for SegmentedLoader.
split_job_runs = attrgetter("page", "job")
split_job_window = attrgetter("window", "job")
