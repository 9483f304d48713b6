"""Run cost anomalies: a finished run costing more than `cost_anomaly_factor` times the p90 of its job's other
finished runs (docs/metrics.md, "Cost anomalies"). The statement ranks runs in approximate arithmetic and returns the
quantities of each candidate and of the two baseline runs its p90 lies between; the verdict and every amount are
taken here, in exact decimals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Iterable

from gql_monitor.costing import SubjectCosts, quantize
from gql_monitor.insights.producer import Scope, raises
from gql_monitor.insights.findings import Evidence, Finding, Severity
from gql_monitor.questions import Row
from gql_monitor.questions.cost_anomalies import CostAnomalyQuery, CostAnomalyRule
from gql_monitor.questions.keys import JobKey, RunKey
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class CostAnomaly:
    job: JobKey
    run: RunKey
    # Run.cost of the run and the p90 of the job's other finished runs, exact (not yet rounded for display).
    cost: Decimal
    baseline_p90: Decimal
    baseline_runs: int
    factor: float
    currency: str
    started_at: datetime

    @property
    def ratio(self) -> float:
        return float(self.cost / self.baseline_p90)


def question(window: Window, now: datetime, thresholds, job_keys: Iterable[JobKey] = ()) -> CostAnomalyQuery:
    """The question the thresholds (settings cost_anomaly_*) ask about the runs that started in `window`."""
    baseline_start = window.start - timedelta(days=thresholds.cost_anomaly_baseline_days)
    rule = CostAnomalyRule(thresholds.cost_anomaly_factor, thresholds.cost_anomaly_min_runs)
    return CostAnomalyQuery(window, baseline_start, now, rule, tuple(job_keys))


def judge(rows: list[Row], factor: float) -> list[CostAnomaly]:
    """The anomalies the statement's candidates really are, most expensive relative to their baseline first."""
    runs = SubjectCosts((r for r in rows if r["row_kind"] != "anomaly"), _run_key)
    # The factor is a setting (a float); its decimal spelling is what a person set.
    limit = Decimal(repr(factor))
    found = []
    for row in rows:
        if row["row_kind"] != "anomaly":
            continue
        key = RunKey(f"{row['workspace_id']}:{row['run_id']}")
        lo = runs.of(f"{row['workspace_id']}:{row['lo_run_id']}").amount
        hi = runs.of(f"{row['workspace_id']}:{row['hi_run_id']}").amount
        p90 = lo + (hi - lo) * Decimal(int(row["tenths"])) / 10
        cost = runs.of(key)
        if p90 > 0 and cost.amount > limit * p90:
            found.append(CostAnomaly(JobKey(f"{row['workspace_id']}:{row['job_id']}"), key, cost.amount, p90,
                                     int(row["others"]), factor, cost.currency,
                                     row["start_time"]))
    found.sort(key=lambda a: (-a.ratio, a.run))
    return found


def _run_key(row: Row) -> str:
    return f"{row['workspace_id']}:{row['run_id']}"


@raises("COST_ANOMALY")
async def anomaly_findings(scope: Scope) -> list[Finding]:
    rows = await scope.loaders.insight_questions.load(question(scope.window, scope.now, scope.thresholds))
    return [_finding(a) for a in judge(rows, scope.thresholds.cost_anomaly_factor)]


def _finding(anomaly: CostAnomaly) -> Finding:
    cost, p90 = quantize(anomaly.cost), quantize(anomaly.baseline_p90)
    return Finding(
        kind="COST_ANOMALY",
        severity=Severity.WARNING,
        job=anomaly.job,
        title=f"A run cost {anomaly.ratio:.1f}× the p90 of the job's runs ({cost:.2f} vs {p90:.2f} "
              f"{anomaly.currency})",
        evidence=(
            Evidence("runCost", float(cost), None, anomaly.currency),
            Evidence("baselineP90Cost", float(p90), None, anomaly.currency),
            Evidence("costRatio", round(anomaly.ratio, 3), anomaly.factor, "ratio"),
            Evidence("baselineRuns", anomaly.baseline_runs, None, "runs"),
        ),
        next_step="Open the run: compare its duration, cluster size and repairs with the job's usual runs; a run "
                  "that hit its timeout or was repaired pays for the extra hours.",
        runs=(anomaly.run,),
        started_at=anomaly.started_at,
    )
