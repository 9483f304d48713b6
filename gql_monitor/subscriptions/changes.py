"""What changed between two reads of the active runs: runs that started, runs whose state changed, runs that ended.

A read is `{run_id: the Jobs API's run}`. Only what a watcher of running jobs acts on counts as a change: the life
cycle, result and status states and the state message. The API's own counters (`run_duration` grows on every read
of a running run) would otherwise make every poll a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

Runs = Mapping[int, Mapping[str, Any]]


def signature(run: Mapping[str, Any]) -> tuple:
    """The parts of a run whose change is worth a message."""
    state = run.get("state") or {}
    status = run.get("status") or {}
    details = status.get("termination_details") or {}
    queue = status.get("queue_details") or {}
    return (
        state.get("life_cycle_state"),
        state.get("result_state"),
        state.get("state_message") or None,
        status.get("state"),
        details.get("code"),
        queue.get("code"),
    )


@dataclass(frozen=True)
class RunChanges:
    """Run ids: `added` (new in the later read), `updated` (in both, changed), `ended` (gone from the later read)."""

    added: tuple[int, ...] = ()
    updated: tuple[int, ...] = ()
    ended: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.ended)


def changes(before: Runs, after: Runs) -> RunChanges:
    """`after`'s order is kept for added and updated runs (the API's: newest first); ended runs keep `before`'s."""
    added = tuple(run_id for run_id in after if run_id not in before)
    updated = tuple(run_id for run_id, run in after.items()
                    if run_id in before and signature(before[run_id]) != signature(run))
    ended = tuple(run_id for run_id in before if run_id not in after)
    return RunChanges(added, updated, ended)


def same_runs(before: Runs, after: Runs) -> bool:
    return not changes(before, after)
