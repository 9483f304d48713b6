"""spend_spikes.sql: days on which the account's or a job's spend jumped above its trailing baseline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql_monitor.questions import Question
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class SpendSpikeRule:
    """The thresholds of the rule (settings spend_spike_*)."""

    factor: float
    baseline_days: int
    min_amount: int


@dataclass(frozen=True)
class SpendSpikeQuery(Question):
    """Spikes on the UTC days from `window`'s start day to its end, judged against the days from `baseline_start`
    (the rule's baseline days before the first judged day) on."""

    statement = "spend_spikes"

    window: Window
    baseline_start: datetime
    rule: SpendSpikeRule

    def params(self) -> dict[str, Any]:
        return {
            **Window(min(self.baseline_start, self.window.start), self.window.end).usage_params(),
            "judged_start": self.window.start,
            "factor": self.rule.factor,
            "baseline_days": self.rule.baseline_days,
            "min_amount": self.rule.min_amount,
            "job_keys": None,
            "run_keys": None,
        }
