"""What needs attention: rules that turn the monitor's figures into verdicts (health, regressions, SLAs, schedules,
cost anomalies), each with the evidence behind it.

The layer sits between the GraphQL types and the loaders: a rule module asks loaders for rows, judges them with
pure functions against `Thresholds` (settings with documented defaults, docs/metrics.md), and returns plain
dataclasses. Every rule that can raise an alert also contributes a producer to `alerts.PRODUCERS`, so the root
`alerts` field lists everything in one place.
"""
