"""The insight rules' thresholds: settings (GQL_MONITOR_*) handed to the rules, never the whole Settings."""

from __future__ import annotations

from dataclasses import dataclass, fields

from gql_monitor.settings import Settings


def _default(name: str):
    """The setting's own default: each default is written once, in settings.py."""
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class Thresholds:
    # Each field is a Settings field of the same name (settings.py, "Insight thresholds"), with its default.
    sla_tag: str = _default("sla_tag")
    default_sla_minutes: int | None = _default("default_sla_minutes")
    # Job health (insights/health.py)
    health_p1_failure_streak: int = _default("health_p1_failure_streak")
    health_p2_success_rate: float = _default("health_p2_success_rate")
    health_p3_success_rate: float = _default("health_p3_success_rate")
    health_min_finished_runs: int = _default("health_min_finished_runs")
    health_min_failed_runs: int = _default("health_min_failed_runs")
    duration_recent_days: int = _default("duration_recent_days")
    duration_baseline_days: int = _default("duration_baseline_days")
    duration_min_runs: int = _default("duration_min_runs")
    duration_regression_ratio: float = _default("duration_regression_ratio")
    duration_outlier_factor: float = _default("duration_outlier_factor")
    longer_than_usual_factor: float = _default("longer_than_usual_factor")
    sla_at_risk_share: float = _default("sla_at_risk_share")
    late_start_minutes: int = _default("late_start_minutes")
    missed_schedule_minutes: int = _default("missed_schedule_minutes")
    late_start_warning_count: int = _default("late_start_warning_count")
    cost_anomaly_factor: float = _default("cost_anomaly_factor")
    cost_anomaly_min_runs: int = _default("cost_anomaly_min_runs")
    cost_anomaly_baseline_days: int = _default("cost_anomaly_baseline_days")
    spend_spike_factor: float = _default("spend_spike_factor")
    spend_spike_baseline_days: int = _default("spend_spike_baseline_days")
    spend_spike_min_usd: int = _default("spend_spike_min_usd")
    forecast_trailing_days: int = _default("forecast_trailing_days")

    @classmethod
    def from_settings(cls, settings: Settings) -> "Thresholds":
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})
