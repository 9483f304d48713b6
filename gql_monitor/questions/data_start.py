"""data_start.sql: the oldest run slice and usage hour, i.e. where the system tables' data begins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gql_monitor.questions import Question

# How far back the probe looks: a day past the longest window (366 days), so a window never starts before it.
DATA_START_LOOKBACK = timedelta(days=367)


@dataclass(frozen=True)
class DataStartQuery(Question):
    statement = "data_start"

    now: datetime

    def params(self) -> dict[str, Any]:
        return {"since": self.now - DATA_START_LOOKBACK}

    @staticmethod
    def answer(rows: list[dict]) -> dict:
        return rows[0] if rows else {}
