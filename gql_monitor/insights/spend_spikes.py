"""Daily spend spikes (docs/metrics.md, "Daily spend spikes"): a UTC day on which the account's or a job's spend is
more than `spend_spike_factor` times the median of its baseline days and at least `spend_spike_min_usd` above it.
The statement picks candidates in approximate arithmetic and returns the quantities of each candidate day and of the
baseline days its median is made of; the verdict and every amount are taken here, in exact decimals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from gql_monitor.costing import CostSummary, quantize
from gql_monitor.insights.producer import Scope, raises
from gql_monitor.insights.findings import Evidence, Finding, Severity
from gql_monitor.questions import Row
from gql_monitor.questions.keys import JobKey
from gql_monitor.questions.spend_spikes import SpendSpikeQuery, SpendSpikeRule
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class SpendSpike:
    job: JobKey | None  # None: the whole account
    day: date
    amount: Decimal
    baseline_median: Decimal
    baseline_days: int
    factor: float
    currency: str

    @property
    def ratio(self) -> float:
        return float(self.amount / self.baseline_median)


def question(window: Window, thresholds) -> SpendSpikeQuery:
    first_day = datetime.combine(window.start.date(), time(), tzinfo=timezone.utc)
    rule = SpendSpikeRule(thresholds.spend_spike_factor, thresholds.spend_spike_baseline_days,
                          thresholds.spend_spike_min_usd)
    return SpendSpikeQuery(window, first_day - timedelta(days=rule.baseline_days), rule)


def judge(rows: list[Row], rule: SpendSpikeRule) -> list[SpendSpike]:
    """The spikes the candidates really are: newest day first, the account before its jobs, then by ratio."""
    days: dict[tuple[str, date], CostSummary] = {}
    for row in rows:
        if row["row_kind"] == "usage":
            days.setdefault((row["subject"], row["usage_date"]), CostSummary()).add(row)
    factor, floor = Decimal(repr(rule.factor)), Decimal(rule.min_amount)
    found = []
    for row in rows:
        if row["row_kind"] != "spike":
            continue
        subject = row["subject"]
        spend = days.get((subject, row["usage_date"]), CostSummary())
        low = days.get((subject, row["low_date"]), CostSummary()).amount
        high = days.get((subject, row["high_date"]), CostSummary()).amount
        median = (low + high) / 2
        if median > 0 and spend.amount > factor * median and spend.amount - median >= floor:
            found.append(SpendSpike(JobKey(subject) if subject else None, row["usage_date"], spend.amount, median,
                                    int(row["baseline_days"]), rule.factor, spend.currency))
    found.sort(key=lambda s: (s.job or "", ))
    found.sort(key=lambda s: -s.ratio)
    found.sort(key=lambda s: s.job is not None)
    found.sort(key=lambda s: s.day, reverse=True)
    return found


@raises("SPEND_SPIKE")
async def spike_findings(scope: Scope) -> list[Finding]:
    query = question(scope.window, scope.thresholds)
    return [_finding(s) for s in judge(await scope.loaders.insight_questions.load(query), query.rule)]


def _finding(spike: SpendSpike) -> Finding:
    amount, median = quantize(spike.amount), quantize(spike.baseline_median)
    whose = "The account's" if spike.job is None else "The job's"
    return Finding(
        kind="SPEND_SPIKE",
        # The account's spend doubling is everyone's business; one job's is its owner's.
        severity=Severity.WARNING if spike.job is None else Severity.INFO,
        job=spike.job,
        title=f"{whose} spend on {spike.day.isoformat()} was {spike.ratio:.1f}× its usual day ({amount:.2f} vs "
              f"{median:.2f} {spike.currency})",
        evidence=(
            Evidence("daySpend", float(amount), None, spike.currency),
            Evidence("baselineMedian", float(median), None, spike.currency),
            Evidence("spendRatio", round(spike.ratio, 3), spike.factor, "ratio"),
            Evidence("baselineDays", spike.baseline_days, None, "days"),
        ),
        next_step="Break the day down with costs(groupBy: JOB or SKU) over that day to see what ran more than usual.",
        started_at=datetime.combine(spike.day, time(), tzinfo=timezone.utc),
    )
