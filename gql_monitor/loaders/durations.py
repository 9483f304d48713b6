"""Durations, SLAs and schedules per job: one statement for all jobs of a page (or all jobs, for the alerts)."""

from __future__ import annotations

from dataclasses import dataclass

from gql_monitor.loaders.batching import Fetch, QuestionLoader, SegmentedLoader, group_rows
from gql_monitor.loaders.keys import (
    JobDurationsKey,
    JobSlaKey,
    JobWindowKey,
    split_job_durations,
    split_job_sla,
    split_job_window,
)
from gql_monitor.questions import Row
from gql_monitor.questions.duration_stats import DurationSpans, DurationStatsQuery
from gql_monitor.questions.keys import JobKey, job_key
from gql_monitor.questions.schedule_runs import ScheduleRunsQuery
from gql_monitor.questions.sla_runs import JobTarget, SlaRunsQuery
from gql_monitor.questions.windows import Window


@dataclass(frozen=True)
class JobDurations:
    """A job's duration_stats: its baseline row (None when it has no successful run in either period) and its
    runs in progress."""

    stats: Row | None = None
    running: tuple[Row, ...] = ()


def job_durations_loader(fetch: Fetch) -> SegmentedLoader[JobDurationsKey, JobDurations]:
    async def load(spans: DurationSpans, jobs: list[JobKey]) -> dict[JobKey, JobDurations]:
        rows = await fetch(DurationStatsQuery(spans, tuple(jobs)))
        return split_durations(rows)

    return SegmentedLoader(split_job_durations, load, missing=JobDurations())


def split_durations(rows: list[Row]) -> dict[JobKey, JobDurations]:
    found: dict[JobKey, JobDurations] = {}
    for job, its in group_rows(rows, job_key).items():
        stats = next((r for r in its if r["row_kind"] == "job"), None)
        found[job] = JobDurations(stats, tuple(r for r in its if r["row_kind"] == "running"))
    return found


@dataclass(frozen=True)
class JobSlaRuns:
    """sla_runs rows of one job: its summary (finished runs), breaching runs and runs in progress."""

    finished_runs: int = 0
    latest_finished_start: object = None
    breaches: tuple[Row, ...] = ()
    running: tuple[Row, ...] = ()


def split_sla_runs(rows: list[Row]) -> dict[JobKey, JobSlaRuns]:
    found: dict[JobKey, JobSlaRuns] = {}
    for job, its in group_rows(rows, job_key).items():
        summary = next((r for r in its if r["row_kind"] == "job"), {})
        found[job] = JobSlaRuns(
            finished_runs=summary.get("finished_runs") or 0,
            latest_finished_start=summary.get("latest_finished_start"),
            breaches=tuple(r for r in its if r["row_kind"] == "breach"),
            running=tuple(r for r in its if r["row_kind"] == "running"),
        )
    return found


def job_sla_runs_loader(fetch: Fetch) -> SegmentedLoader[JobSlaKey, JobSlaRuns]:
    async def load(window: Window, targets: list[JobTarget]) -> dict[JobTarget, JobSlaRuns]:
        by_job = split_sla_runs(await fetch(SlaRunsQuery(tuple(targets), window)))
        return {target: by_job.get(target.job, JobSlaRuns()) for target in targets}

    return SegmentedLoader(split_job_sla, load, missing=JobSlaRuns())


def job_schedule_runs_loader(fetch: Fetch) -> SegmentedLoader[JobWindowKey, list[Row]]:
    """Each job's schedule_runs rows, plus the statement's freshness row (shared by every job of the page)."""
    async def load(window: Window, jobs: list[JobKey]) -> dict[JobKey, list[Row]]:
        return split_schedule_rows(await fetch(ScheduleRunsQuery(window, tuple(jobs))))

    return SegmentedLoader(split_job_window, load, missing=[])


def split_schedule_rows(rows: list[Row]) -> dict[JobKey, list[Row]]:
    """schedule_runs rows per job, each job's with the statement's one freshness row."""
    fresh = [r for r in rows if r["row_kind"] == "freshness"]
    grouped = group_rows((r for r in rows if r["row_kind"] != "freshness"), job_key)
    return {job: its + fresh for job, its in grouped.items()}


def insight_question_loader(fetch: Fetch) -> QuestionLoader:
    """Account-wide forms (every job) for the alerts: one statement per distinct question."""
    return QuestionLoader(fetch)


__all__ = ["JobDurations", "JobSlaRuns", "job_durations_loader", "job_sla_runs_loader", "job_schedule_runs_loader",
           "insight_question_loader", "split_durations", "split_sla_runs", "split_schedule_rows"]
