"""run_page_details.sql: a runs page together with its look-ahead, what the page's readers asked about its runs (their
spend, their task runs), in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.runs import RunsQuery
from gql_monitor.questions.windows import run_usage_span


@dataclass(frozen=True)
class PageLookAhead:
    """What a runs page is also asked about its runs; at least one of the two."""

    costs: bool
    tasks: bool
    # The tables' "now": the runs' usage is read up to its hour.
    now: datetime


@dataclass(frozen=True)
class RunPageDetailsQuery(Question):
    statement = "run_page_details"

    page: RunsQuery
    look_ahead: PageLookAhead

    def params(self) -> dict[str, Any]:
        return {
            **self.page.params(),
            **run_usage_span(self.page.window.start, self.look_ahead.now).usage_params(),
            "with_costs": self.look_ahead.costs,
            "with_tasks": self.look_ahead.tasks,
        }
