"""sla_targets.sql: the jobs an SLA may apply to, with the raw value of their SLA tag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import RETENTION


@dataclass(frozen=True)
class SlaTargetsQuery(Question):
    statement = "sla_targets"

    sla_tag: str
    with_default: bool
    # The tables' "now": jobs that left the jobs table are still listed while their runs are in retention.
    now: datetime

    def params(self) -> dict[str, Any]:
        return {"sla_tag": self.sla_tag, "with_default": self.with_default, "workspace_id": None,
                "job_keys": None, "seen_since": self.now - RETENTION}
