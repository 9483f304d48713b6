"""The insight rules' thresholds: settings (GQL_MONITOR_*) handed to the rules, never the whole Settings."""

from __future__ import annotations

from dataclasses import dataclass, fields

from gql_monitor.settings import Settings


@dataclass(frozen=True)
class Thresholds:
    # Each field is a Settings field of the same name (settings.py, "Insight thresholds").
    sla_tag: str = "sla_minutes"
    default_sla_minutes: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Thresholds":
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})
