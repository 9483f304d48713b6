"""The insight rules' thresholds: settings (GQL_MONITOR_*) handed to the rules, never the whole Settings."""

from __future__ import annotations

from dataclasses import dataclass, fields

from gql_monitor.settings import Settings


@dataclass(frozen=True)
class Thresholds:
    # Each field is a Settings field of the same name (settings.py, "Insight thresholds").
    sla_tag: str = "sla_minutes"
    default_sla_minutes: int | None = None
    # Job health (insights/health.py)
    health_p1_failure_streak: int = 3
    health_p2_success_rate: float = 0.8
    health_p3_success_rate: float = 0.85
    health_min_finished_runs: int = 5
    health_min_failed_runs: int = 2
    duration_recent_days: int = 7
    duration_baseline_days: int = 30
    duration_min_runs: int = 5
    duration_regression_ratio: float = 1.5
    duration_outlier_factor: float = 1.5
    longer_than_usual_factor: float = 1.0
    sla_at_risk_share: float = 0.8
    late_start_minutes: int = 5
    missed_schedule_minutes: int = 120
    late_start_warning_count: int = 3
    cost_anomaly_factor: float = 2.0
    cost_anomaly_min_runs: int = 10
    cost_anomaly_baseline_days: int = 30
    spend_spike_factor: float = 2.0
    spend_spike_baseline_days: int = 14
    spend_spike_min_usd: int = 100
    forecast_trailing_days: int = 7

    @classmethod
    def from_settings(cls, settings: Settings) -> "Thresholds":
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})
