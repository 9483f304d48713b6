"""untagged_spend.sql: job spend in a window per job, split by whether its usage carries tags (and the tag key)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class UntaggedSpendQuery(Question):
    statement = "untagged_spend"

    window: Window
    tag_key: str | None = None

    def params(self) -> dict[str, Any]:
        return {**self.window.usage_params(), "tag_key": self.tag_key, "job_keys": None, "run_keys": None}
