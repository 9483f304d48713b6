"""costs_by_dimension.sql: account spend in a window grouped by one dimension, the unattributed remainder kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gql_monitor.questions import Question, list_or_none
from gql_monitor.questions.windows import Window

CostGrouping = Literal["JOB", "SKU", "WORKSPACE", "TAG", "RUN_AS", "PRODUCT", "DAY"]


@dataclass(frozen=True)
class CostBreakdownQuery(Question):
    statement = "costs_by_dimension"

    dimension: CostGrouping
    window: Window
    tag_key: str | None = None
    workspace_id: str | None = None
    skus: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "tag_key": self.tag_key,
            "workspace_id": self.workspace_id,
            "skus": list_or_none(self.skus),
            "products": list_or_none(self.products),
            # _subject_costs.sql's subjects are not asked here.
            "job_keys": None,
            "run_keys": None,
            **self.window.usage_params(),
        }
