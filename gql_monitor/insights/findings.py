"""An alert as the rules raise it: what, how bad, about which job and runs, on what evidence, and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from gql_monitor.questions.keys import JobKey, RunKey


class Severity(Enum):
    CRITICAL = "CRITICAL"
    WARNING = "WARNING"
    INFO = "INFO"


SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Evidence:
    """One number behind a verdict and the threshold it was judged against (None when nothing is compared)."""

    name: str
    value: float | None
    threshold: float | None = None
    unit: str = ""


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: Severity
    job: JobKey | None
    title: str
    evidence: tuple[Evidence, ...]
    next_step: str
    runs: tuple[RunKey, ...] = ()
    # When the condition began (a streak's first failure, a regression's first slow run); None when not known.
    started_at: datetime | None = None
    # The expected fire times behind a schedule alert (late starts' and missed fires'), newest first.
    fire_times: tuple[datetime, ...] = ()

    @property
    def id(self) -> str:
        """Stable across requests while the condition holds: the kind, the job and where it started."""
        start = self.started_at.isoformat() if self.started_at else ""
        return f"{self.kind}:{self.job or ''}:{start}"
