"""How the monitor names jobs and runs: `<workspace id>:<id>`, since ids are only unique within a workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType

JobKey = NewType("JobKey", str)
RunKey = NewType("RunKey", str)


@dataclass(frozen=True)
class RunRef:
    """A run and when it started: questions about runs by id read the tables only from the earliest start on."""

    key: RunKey
    start: datetime


def job_key(row: dict) -> JobKey:
    return JobKey(f"{row['workspace_id']}:{row['job_id']}")


def run_key(row: dict) -> RunKey:
    return RunKey(f"{row['workspace_id']}:{row['run_id']}")


def job_run_key(row: dict) -> RunKey:
    """The job run a task run row belongs to."""
    return RunKey(f"{row['workspace_id']}:{row['job_run_id']}")
