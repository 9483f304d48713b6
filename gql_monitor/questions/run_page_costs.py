"""run_page_costs.sql: the spend of the runs one runs page holds, asked with the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.runs import RunsQuery
from gql_monitor.questions.windows import run_usage_span


@dataclass(frozen=True)
class RunPageCostsQuery(Question):
    statement = "run_page_costs"

    page: RunsQuery
    # The tables' "now": usage of the page's runs is read up to its hour.
    now: datetime

    def params(self) -> dict[str, Any]:
        return {**self.page.params(), **run_usage_span(self.page.window.start, self.now).usage_params()}
