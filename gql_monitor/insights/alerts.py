"""Every rule that can raise an alert registers a producer here; `alerts` asks them all, concurrently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable

from gql_monitor.insights import durations, schedule_adherence, sla
from gql_monitor.insights.findings import SEVERITY_ORDER, Finding
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

# Filled by the rule modules (insights/<rule>.py); listed here so that one place says what can raise an alert.
PRODUCERS: list[Producer] = [durations.produce, sla.produce, schedule_adherence.produce]


def raises(*kinds: str) -> Callable[[Producer], Producer]:
    """Marks a producer with the kinds it can raise, so that `alerts(kinds: ...)` asks only the producers that can
    answer (each costs its statements); an unmarked producer is always asked."""
    def mark(producer: Producer) -> Producer:
        producer.kinds = frozenset(kinds)  # type: ignore[attr-defined]
        return producer

    return mark


async def all_findings(scope: Scope, kinds: frozenset[str] | None = None) -> list[Finding]:
    """Every producer's findings (of `kinds`, None: all), most severe first, then the newest condition first, then
    by id."""
    asked = [p for p in PRODUCERS if kinds is None or not hasattr(p, "kinds") or p.kinds & kinds]
    found = await asyncio.gather(*(produce(scope) for produce in asked))
    findings = [finding for batch in found for finding in batch]
    findings.sort(key=lambda f: f.id)
    findings.sort(key=lambda f: f.started_at.timestamp() if f.started_at else float("-inf"), reverse=True)
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return findings
