"""Keys of the segmented loaders: an item (a job) and the segment it shares with its siblings (a page, a window).
Keys of one segment are asked in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.runs import RunsQuery
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class JobRunsKey:
    """A job's page of runs: `page` is the page every sibling job asks for (window, filters, cursor, size)."""

    job: JobKey
    page: RunsQuery

    def split(self) -> tuple[Hashable, Hashable]:
        return self.page, self.job


@dataclass(frozen=True)
class JobWindowKey:
    """A question about one job in a window (its run statistics, its spend)."""

    job: JobKey
    window: Window

    def split(self) -> tuple[Hashable, Hashable]:
        return self.window, self.job
