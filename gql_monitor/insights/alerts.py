"""Every rule that can raise an alert is listed here; `alerts` asks them all, concurrently."""

from __future__ import annotations

import asyncio

from gql_monitor.insights import all_purpose, cost_anomalies, durations, health, schedule_adherence, sla, spend_spikes
from gql_monitor.insights.findings import SEVERITY_ORDER, Finding
from gql_monitor.insights.producer import Producer, Scope

__all__ = ["PRODUCERS", "Scope", "all_findings"]

# One place says what can raise an alert; each producer is marked with its kinds (producer.raises).
PRODUCERS: list[Producer] = [
    health.health_findings, durations.produce, sla.produce, schedule_adherence.produce,
    cost_anomalies.anomaly_findings, spend_spikes.spike_findings, all_purpose.all_purpose_findings,
]


async def all_findings(scope: Scope, kinds: frozenset[str] | None = None) -> list[Finding]:
    """Every producer's findings (of `kinds`, None: all), most severe first, then the newest condition first, then
    by id."""
    asked = [p for p in PRODUCERS if kinds is None or p.kinds & kinds]
    found = await asyncio.gather(*(produce(scope) for produce in asked))
    findings = [finding for batch in found for finding in batch]
    findings.sort(key=lambda f: f.id)
    findings.sort(key=lambda f: f.started_at.timestamp() if f.started_at else float("-inf"), reverse=True)
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return findings
