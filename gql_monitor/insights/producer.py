"""What an alert producer is: an async function from a Scope to findings, marked with the kinds it can raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable

from gql_monitor.insights.findings import Finding
from gql_monitor.insights.thresholds import Thresholds
from gql_monitor.loaders import Loaders
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class Scope:
    """What every producer is given: the operation's loaders, the window asked about, and the thresholds."""

    loaders: Loaders
    window: Window
    now: datetime
    thresholds: Thresholds


Producer = Callable[[Scope], Awaitable[list[Finding]]]


def raises(*kinds: str) -> Callable[[Producer], Producer]:
    """Marks a producer with the kinds it can raise, so that `alerts(kinds: ...)` asks only the producers that can
    answer (each costs its statements)."""
    def mark(producer: Producer) -> Producer:
        producer.kinds = frozenset(kinds)  # type: ignore[attr-defined]
        return producer

    return mark
