"""Root `alerts`: what needs attention, from every insight rule, with the evidence behind each verdict."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gql_monitor.errors import BadUserInput
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import TimeWindowInput, cursor_text, decode_cursor, encode_cursor, page_size, text, \
    resolve_window
from gql_monitor.graphql.types.common import Connection, connection
from gql_monitor.insights import alerts as rules
from gql_monitor.insights.findings import Finding, Severity
from gql_monitor.questions.keys import JobKey

if TYPE_CHECKING:
    from gql_monitor.graphql.types.job import Job
    from gql_monitor.graphql.types.run import Run

AlertSeverity = strawberry.enum(Severity, name="AlertSeverity",
                                description="CRITICAL: act now; WARNING: act today; INFO: worth a look.")


@strawberry.enum(description="What an alert is about; docs/metrics.md defines the rule behind each.")
class AlertKind(Enum):
    FAILING_STREAK = "FAILING_STREAK"
    LOW_SUCCESS_RATE = "LOW_SUCCESS_RATE"
    DURATION_REGRESSION = "DURATION_REGRESSION"
    LONGER_THAN_USUAL = "LONGER_THAN_USUAL"
    SLA_BREACH = "SLA_BREACH"
    SLA_AT_RISK = "SLA_AT_RISK"
    LATE_START = "LATE_START"
    MISSED_SCHEDULE = "MISSED_SCHEDULE"
    COST_ANOMALY = "COST_ANOMALY"
    SPEND_SPIKE = "SPEND_SPIKE"
    ALL_PURPOSE_COMPUTE = "ALL_PURPOSE_COMPUTE"


@strawberry.type(description="A number behind a verdict, with the threshold it was judged against.")
class AlertEvidence:
    name: str = strawberry.field(description="What was measured, e.g. `failureStreak`, `durationRatio`.")
    value: float | None = strawberry.field(description="The measured value; null when there was none to measure.")
    threshold: float | None = strawberry.field(description="The rule's threshold (a setting); null for context.")
    unit: str = strawberry.field(description="`runs`, `ratio`, `seconds`, `minutes`, `USD`, ... or empty.")


@strawberry.type(description="Something that needs attention, with the evidence that raised it.")
class Alert:
    id: strawberry.ID = strawberry.field(description="Stable while the condition lasts: kind, job and start.")
    kind: AlertKind = strawberry.field(description="Which rule raised it.")
    severity: AlertSeverity = strawberry.field(description="How urgent.")
    title: str = strawberry.field(description="One line a person reads first.")
    evidence: list[AlertEvidence] = strawberry.field(description="The numbers that triggered it and the thresholds.")
    started_at: datetime | None = strawberry.field(description="When the condition began; null when not known.")
    next_step: str = strawberry.field(description="What to do about it.")
    expected_fire_times: list[datetime] = strawberry.field(
        description="The schedule's fire times behind a LATE_START or MISSED_SCHEDULE alert (newest first, at most "
                    "10); empty for other kinds."
    )
    job_key: strawberry.Private[JobKey | None]
    run_keys: strawberry.Private[tuple]

    @classmethod
    def from_finding(cls, finding: Finding) -> "Alert":
        return cls(
            id=strawberry.ID(finding.id), kind=AlertKind(finding.kind), severity=finding.severity,
            title=finding.title, started_at=finding.started_at, next_step=finding.next_step,
            evidence=[AlertEvidence(name=e.name, value=e.value, threshold=e.threshold, unit=e.unit)
                      for e in finding.evidence],
            expected_fire_times=list(finding.fire_times), job_key=finding.job, run_keys=finding.runs,
        )

    @strawberry.field(description="The job concerned; null for account-wide alerts.")
    async def job(self, info: Info) -> Annotated["Job", strawberry.lazy("gql_monitor.graphql.types.job")] | None:
        from gql_monitor.graphql.types.job import load_job

        return await load_job(info, self.job_key) if self.job_key else None

    @strawberry.field(description="The runs behind the alert (at most 10), newest first.")
    async def runs(self, info: Info) -> list[Annotated["Run", strawberry.lazy("gql_monitor.graphql.types.run")]]:
        from gql_monitor.graphql.types.run import Run

        rows = await info.context.loaders.run.load_many(list(self.run_keys))
        return [Run.from_row(row) for row in rows if row]


async def resolve_alerts(info: Info, window: TimeWindowInput | None, severities: list[Severity] | None,
                         kinds: list[AlertKind] | None, first: int, after: str | None,
                         workspace_id: str | None = None) -> Connection[Alert]:
    limit = page_size(first)
    span = resolve_window(window, info.context.now)
    workspace = text(workspace_id, "workspaceId")
    ctx = info.context
    wanted_kinds = frozenset(kind.value for kind in kinds) if kinds else None
    findings = await rules.all_findings(rules.Scope(ctx.loaders, span, ctx.now, ctx.thresholds), wanted_kinds)
    findings = [f for f in findings if (not severities or f.severity in severities)
                and (wanted_kinds is None or f.kind in wanted_kinds)
                and (workspace is None or (f.job is not None and f.job.partition(":")[0] == workspace))]
    total = len(findings)
    if after is not None:
        (after_id,) = decode_cursor(after, "alert", (cursor_text,))
        ids = [f.id for f in findings]
        if after_id not in ids:
            raise BadUserInput("`after` names an alert that is no longer raised; start from the first page.")
        findings = findings[ids.index(after_id) + 1:]
    edges = [(Alert.from_finding(f), encode_cursor("alert", [f.id])) for f in findings[:limit + 1]]
    return connection(edges, limit, total)
