"""data_freshness.sql: the newest run slice and usage hour, i.e. how far the system tables lag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gql_monitor.questions import Question

# How far back the probe looks for the tables' latest rows.
FRESHNESS_LOOKBACK = timedelta(days=31)


@dataclass(frozen=True)
class FreshnessQuery(Question):
    statement = "data_freshness"

    now: datetime

    def params(self) -> dict[str, Any]:
        return {"since": self.now - FRESHNESS_LOOKBACK}

    @staticmethod
    def answer(rows: list[dict]) -> dict:
        return rows[0] if rows else {}
