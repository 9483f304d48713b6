"""Job runs, their repair segments and task runs, as numpy column arrays (one truth for tables and API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from gql_monitor.local_workspace.gen_common import (
    BLOCKED, CANCELLED, DAY, ERROR, FAILED, HOUR, MINUTE, PENDING, RUNNING, SECOND, SKIPPED, SUCCEEDED, T_CONTINUOUS,
    T_CRON, T_FILE, T_ONETIME, T_RETRY, TERM_INDEX, TIMED_OUT, Clock, draw_termination, random_tokens,
)
from gql_monitor.local_workspace.gen_world import Job, World

MAX_TASKS = 5
TASK_ID_BLOCK = 32  # run ids are spaced so a job run's task runs fit right after it
# Labels of runs placed on purpose for a hard case (kept as int8 codes: object arrays are slow at this size).
RUN_NOTES = ["", "active_long_run", "queued_run", "active_run", "recently_finished_run", "repaired_run", "retried_run",
             "task_retry"]
NOTE = {name: code for code, name in enumerate(RUN_NOTES)}
PROFILES = ["steady", "flaky", "failing_streak", "duration_regression", "late_start", "missed_schedule", "long"]
COMPUTES = ["job_cluster", "serverless", "all_purpose"]

# Probability of each table result per profile: SUCCEEDED, FAILED, ERROR, TIMED_OUT, CANCELLED, SKIPPED, BLOCKED.
STEADY_OUTCOMES = [0.954, 0.018, 0.006, 0.002, 0.007, 0.010, 0.003]
FLAKY_OUTCOMES = [0.765, 0.150, 0.040, 0.010, 0.012, 0.018, 0.005]


@dataclass
class JobArrays:
    """Per-job facts gathered into arrays so run-level work can be vectorised."""
    n_tasks: np.ndarray
    level: np.ndarray      # (J, MAX_TASKS), -1 for missing slots
    frac_start: np.ndarray
    frac_end: np.ndarray
    level_start: np.ndarray  # (J, MAX_TASKS) by level
    level_end: np.ndarray
    max_retries: np.ndarray
    base_s: np.ndarray
    profile: np.ndarray
    compute: np.ndarray
    timeout_s: np.ndarray

    @classmethod
    def of(cls, jobs: list[Job]) -> "JobArrays":
        n = len(jobs)
        level = np.full((n, MAX_TASKS), -1, dtype=np.int8)
        fs = np.zeros((n, MAX_TASKS))
        fe = np.zeros((n, MAX_TASKS))
        ls = np.ones((n, MAX_TASKS))
        le = np.zeros((n, MAX_TASKS))
        mr = np.zeros((n, MAX_TASKS), dtype=np.int8)
        for j, job in enumerate(jobs):
            for t, task in enumerate(job.tasks):
                level[j, t], fs[j, t], fe[j, t], mr[j, t] = task.level, task.frac_start, task.frac_end, task.max_retries
                ls[j, task.level] = task.frac_start
                le[j, task.level] = max(le[j, task.level], task.frac_end)
            le[j, max(t.level for t in job.tasks) + 1:] = 1.0
        return cls(
            n_tasks=np.array([len(j.tasks) for j in jobs], dtype=np.int8), level=level, frac_start=fs, frac_end=fe,
            level_start=ls, level_end=le, max_retries=mr,
            base_s=np.array([j.base_duration_s for j in jobs]),
            profile=np.array([PROFILES.index(j.profile) for j in jobs], dtype=np.int8),
            compute=np.array([COMPUTES.index(j.compute) for j in jobs], dtype=np.int8),
            timeout_s=np.array([j.latest.timeout_seconds for j in jobs], dtype=np.int64),
        )


@dataclass
class Runs:
    job: np.ndarray
    run_id: np.ndarray
    start: np.ndarray
    end: np.ndarray          # planned end for runs still in progress
    scheduled: np.ndarray    # cron fire time, -1 when not scheduled
    result: np.ndarray       # table result code, RUNNING while in progress at `now`
    term: np.ndarray         # index into TERM_CODES, -1 while running
    trigger: np.ndarray
    run_type: np.ndarray
    retry_of: np.ndarray     # index of the run this one retries, -1
    fail_slot: np.ndarray    # task slot that failed, -1
    d_sched: np.ndarray      # nominal duration the task fractions scale with
    note: np.ndarray         # int8 index into RUN_NOTES: the hard case a run was placed for, 0 for none

    def __len__(self) -> int:
        return len(self.start)


@dataclass
class Segments:
    """Executions of a run: the original one and, for repaired runs, the repair. Each ends in its own end row."""
    run: np.ndarray
    kind: np.ndarray         # 0 original, 1 repair
    start: np.ndarray
    end: np.ndarray
    result: np.ndarray
    term: np.ndarray
    fail_slot: np.ndarray
    from_level: np.ndarray
    base_frac: np.ndarray
    d_sched: np.ndarray
    setup_s: np.ndarray
    queue_s: np.ndarray
    cleanup_s: np.ndarray
    cluster_id: np.ndarray   # object; None for serverless

    def __len__(self) -> int:
        return len(self.start)


@dataclass
class TaskRuns:
    seg: np.ndarray
    run: np.ndarray
    slot: np.ndarray
    attempt: np.ndarray
    task_run_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    result: np.ndarray       # RUNNING / PENDING for tasks of runs in progress
    term: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


# ---------------------------------------------------------------------------------------------------------------
# When runs start


def _tz_offsets(clock: Clock, tz: str) -> tuple[int, np.ndarray]:
    """UTC offset of `tz` per UTC day of the window, taken at noon: exact except on the night of a DST switch."""
    first_day = clock.window_start_ms // DAY - 2
    last_day = clock.now_ms // DAY + 2
    zone = ZoneInfo(tz)
    base = datetime(1970, 1, 1, 12, tzinfo=timezone.utc)
    offsets = np.array([int((base + timedelta(days=int(d))).astimezone(zone).utcoffset().total_seconds()) * SECOND
                        for d in range(first_day, last_day + 1)], dtype=np.int64)
    return first_day, offsets


def cron_fire_times(job: Job, lo: int, hi: int, offsets: dict) -> np.ndarray:
    cron = job.cron
    if cron.kind in ("hourly", "every_6h"):
        step = HOUR if cron.kind == "hourly" else 6 * HOUR
        phase = cron.minute * MINUTE + (0 if cron.kind == "hourly" else (cron.hour % 6) * HOUR)
        first = (lo - phase + step - 1) // step * step + phase
        return np.arange(first, hi, step, dtype=np.int64)
    first_day, off = offsets[cron.timezone]
    days = np.arange(lo // DAY - 1, hi // DAY + 2, dtype=np.int64)
    times = days * DAY + (cron.hour * 60 + cron.minute) * MINUTE - off[days - first_day]
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    keep = (times >= lo) & (times < hi)
    if cron.kind == "weekdays":
        keep &= weekday < 5
    elif cron.kind == "weekly":
        keep &= weekday == cron.dow
    return times[keep]


def _business_hour_events(rng: np.random.Generator, lo: int, hi: int, per_day: float) -> np.ndarray:
    if hi <= lo:
        return np.zeros(0, dtype=np.int64)
    n = rng.poisson(per_day * (hi - lo) / DAY)
    days = rng.integers(lo // DAY, hi // DAY + 1, size=n)
    within = np.clip(rng.normal(13.5, 3.5, size=n), 0, 23.99) * HOUR
    t = np.sort((days * DAY + within).astype(np.int64))
    return t[(t >= lo) & (t < hi)]


def _continuous_runs(rng: np.random.Generator, job: Job, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Back-to-back runs: a continuous job restarts a minute or two after each run ends."""
    first = lo + int(rng.uniform(0, 6) * HOUR)
    n = int((hi - first) / (job.base_duration_s * SECOND * 0.5)) + 4
    durations = (job.base_duration_s * SECOND * rng.lognormal(0, 0.5, n)).astype(np.int64)
    gaps = rng.integers(30, 180, n) * SECOND
    starts = first + np.concatenate([[0], np.cumsum(durations + gaps)[:-1]])
    keep = starts < hi
    return starts[keep], durations[keep]


def job_starts(rng: np.random.Generator, job: Job, clock: Clock, offsets: dict):
    """(start, scheduled, trigger, forced duration) of one job's runs inside the window."""
    lo = max(clock.window_start_ms, job.created_ms + MINUTE)
    hi = clock.now_ms if job.deleted_ms is None else min(clock.now_ms, job.deleted_ms)
    paused = job.paused_since_ms
    sched_hi = hi if paused is None else min(hi, paused)
    empty = np.zeros(0, dtype=np.int64)
    if hi <= lo:
        return empty, empty, empty, empty
    forced = empty
    if job.trigger == "cron":
        fires = cron_fire_times(job, lo, sched_hi, offsets)
        if job.profile == "missed_schedule" and len(fires) > 6:
            gap_at = int(rng.integers(len(fires) * 2 // 3, len(fires) - 2))
            fires = np.delete(fires, np.arange(gap_at, gap_at + int(rng.integers(1, 3))))
        jitter = rng.integers(2, 45, size=len(fires)) * SECOND
        if job.profile == "late_start":
            late = rng.random(len(fires)) < 0.15
            jitter = jitter + late * rng.integers(6, 45, size=len(fires)) * MINUTE
        manual = _business_hour_events(rng, lo, hi, 0.03)
        start = np.concatenate([fires + jitter, manual])
        scheduled = np.concatenate([fires, np.full(len(manual), -1, dtype=np.int64)])
        trigger = np.concatenate([np.full(len(fires), T_CRON), np.full(len(manual), T_ONETIME)])
    elif job.trigger == "continuous":
        start, forced = _continuous_runs(rng, job, lo, sched_hi)
        scheduled = np.full(len(start), -1, dtype=np.int64)
        trigger = np.full(len(start), T_CONTINUOUS)
    else:
        start = _business_hour_events(rng, lo, sched_hi if job.trigger == "file_arrival" else hi, job.events_per_day)
        if job.trigger == "file_arrival" and len(start) > 1:
            start = start[np.concatenate([[True], np.diff(start) > 10 * MINUTE])]
        scheduled = np.full(len(start), -1, dtype=np.int64)
        trigger = np.full(len(start), T_FILE if job.trigger == "file_arrival" else T_ONETIME)
    if not len(forced):
        forced = np.full(len(start), -1, dtype=np.int64)
    return start.astype(np.int64), scheduled, trigger.astype(np.int8), forced


# ---------------------------------------------------------------------------------------------------------------
# Outcomes


def _draw_outcomes(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    flaky = profile == PROFILES.index("flaky")
    out = np.empty(len(profile), dtype=np.int8)
    for mask, probs in ((flaky, FLAKY_OUTCOMES), (~flaky, STEADY_OUTCOMES)):
        p = np.array(probs)
        out[mask] = rng.choice(len(p), size=int(mask.sum()), p=p / p.sum())
    return out


def _durations(rng: np.random.Generator, ja: JobArrays, job: np.ndarray, start: np.ndarray, result: np.ndarray,
               forced: np.ndarray, clock: Clock) -> np.ndarray:
    d = ja.base_s[job] * rng.lognormal(0, 0.18, size=len(job)) * SECOND
    regress_from = clock.now_ms - max(7 * DAY, (clock.now_ms - clock.window_start_ms) // 4)
    d = np.where((ja.profile[job] == PROFILES.index("duration_regression")) & (start >= regress_from), d * 2.1, d)
    d = np.where(forced >= 0, forced, d)
    failed_early = (result == FAILED) | (result == ERROR)
    d = np.where(failed_early, d * rng.uniform(0.05, 1.0, size=len(d)), d)
    timeout = ja.timeout_s[job] * SECOND
    d = np.where(result == TIMED_OUT, np.where(timeout > 0, timeout, d * 1.8), d)
    d = np.where(result == CANCELLED, d * rng.uniform(0.05, 0.9, size=len(d)), d)
    d = np.where((result == SKIPPED) | (result == BLOCKED), 0, d)
    return np.maximum(d, 0).astype(np.int64) // SECOND * SECOND + np.where(d > 0, rng.integers(0, 999, len(d)), 0)


def _apply_failing_streaks(rng, ja: JobArrays, runs: dict, clock: Clock) -> None:
    streak_jobs = np.flatnonzero(ja.profile == PROFILES.index("failing_streak"))
    order = np.argsort(_job_time_key(runs["job"], runs["start"]), kind="stable")
    lo = np.searchsorted(runs["job"][order], streak_jobs, side="left")
    hi = np.searchsorted(runs["job"][order], streak_jobs, side="right")
    for a, b in zip(lo.tolist(), hi.tolist()):
        idx = order[a:b]
        finished = idx[runs["end"][idx] <= clock.cutoff_ms - MINUTE]
        take = finished[-int(rng.integers(4, 9)):]
        code = TERM_INDEX[str(rng.choice(["STORAGE_ACCESS_ERROR", "RUN_EXECUTION_ERROR", "LIBRARY_INSTALLATION_ERROR"]))]
        runs["result"][take] = FAILED
        runs["term"][take] = code
        runs["end"][take] = runs["start"][take] + ((runs["end"][take] - runs["start"][take]) * 0.4).astype(np.int64) + MINUTE


def _job_time_key(job: np.ndarray, at_ms: np.ndarray) -> np.ndarray:
    """One sortable int64 per (job, time): epoch ms fit in 42 bits until the year 2109."""
    return job.astype(np.int64) << 42 | np.asarray(at_ms, dtype=np.int64)


def build_runs(rng: np.random.Generator, world: World, ja: JobArrays) -> Runs:
    clock = world.clock
    offsets = {tz: _tz_offsets(clock, tz) for tz in {j.cron.timezone for j in world.jobs if j.cron}}
    parts = [job_starts(rng, job, clock, offsets) for job in world.jobs]
    job = np.repeat(np.arange(len(world.jobs)), [len(p[0]) for p in parts]).astype(np.int32)
    start = np.concatenate([p[0] for p in parts])
    scheduled = np.concatenate([p[1] for p in parts])
    trigger = np.concatenate([p[2] for p in parts]).astype(np.int8)
    forced = np.concatenate([p[3] for p in parts])

    result = _draw_outcomes(rng, ja.profile[job])
    result[trigger == T_CONTINUOUS] = np.where(result[trigger == T_CONTINUOUS] > ERROR, SUCCEEDED,
                                               result[trigger == T_CONTINUOUS])
    dur = _durations(rng, ja, job, start, result, forced, clock)
    # A run that would outlast the job's timeout is stopped by it.
    timeout = ja.timeout_s[job] * SECOND
    over = (timeout > 0) & (dur > timeout)
    result[over], dur[over] = TIMED_OUT, timeout[over]
    runs = {"job": job, "start": start, "end": start + dur, "scheduled": scheduled, "result": result,
            "term": draw_termination(rng, result), "trigger": trigger,
            "retry_of": np.full(len(start), -1, dtype=np.int64), "note": np.zeros(len(start), dtype=np.int8)}
    _apply_failing_streaks(rng, ja, runs, clock)
    runs = _inject_designated(rng, world, ja, runs)
    runs = _add_job_retries(rng, world, ja, runs)
    return _finalise(rng, world, ja, runs)


def _append(runs: dict, rows: list[dict]) -> dict:
    return {key: np.concatenate([runs[key], np.array([r[key] for r in rows], dtype=runs[key].dtype)])
            for key in runs}


def _designated_job(world: World, note: str) -> Job:
    return next(j for j in world.jobs if note in j.notes)


def _inject_designated(rng, world: World, ja: JobArrays, runs: dict) -> dict:
    """Runs whose existence the hard cases depend on, independent of the seed's luck."""
    clock = world.clock
    now, cutoff = clock.now_ms, clock.cutoff_ms
    long_job = _designated_job(world, "long_run")
    manual = _designated_job(world, "recent_manual_job")

    def run(job: Job, start: int, end: int, note: str, result: int = RUNNING) -> dict:
        term = TERM_INDEX["SUCCESS"] if result == SUCCEEDED else -1
        return dict(job=job.idx, start=start, end=end, scheduled=-1, result=result, term=term, trigger=T_ONETIME,
                    retry_of=-1, note=NOTE[note])

    long_start = now - 3 * HOUR - 25 * MINUTE - int(rng.integers(0, 300)) * SECOND
    queued_start = now - 4 * MINUTE - int(rng.integers(0, 60)) * SECOND
    first_open_hour = cutoff // HOUR * HOUR
    active_start = first_open_hour + (now - first_open_hour) // 3
    extra = [
        # Still running after hours: its completed hourly slices are visible, its end row is not.
        run(long_job, long_start, long_start + 5 * HOUR, "active_long_run"),
        # Queued behind that run: the job allows one concurrent run and queueing is on.
        run(long_job, queued_start, queued_start + 5 * HOUR, "queued_run"),
        # Started after the last hour boundary the tables could have closed: no timeline row at all.
        run(manual, active_start, active_start + 45 * MINUTE, "active_run"),
        # Ended inside the lag: final in the API, no end row in the tables yet.
        run(manual, cutoff - 14 * MINUTE, cutoff + 3 * MINUTE, "recently_finished_run", SUCCEEDED),
    ]
    runs = _append(runs, extra)
    # A failure the user repairs later (same run id, second end row), inside the API's retention.
    flaky = _designated_job(world, "flaky_job")
    _mark_failure(runs, flaky.idx, clock, NOTE["repaired_run"])
    retried = _designated_job(world, "retried_run")
    _mark_failure(runs, retried.idx, clock, NOTE["retried_run"])
    tr = _designated_job(world, "task_retry")
    candidates = np.flatnonzero((runs["job"] == tr.idx) & (runs["result"] == SUCCEEDED) &
                                (runs["start"] > clock.api_start_ms) & (runs["end"] < cutoff - HOUR))
    if len(candidates):
        runs["note"][candidates[-1]] = NOTE["task_retry"]
    return runs


def _mark_failure(runs: dict, job_idx: int, clock: Clock, note: int) -> None:
    lo = max(clock.api_start_ms, clock.window_start_ms) + DAY
    candidates = np.flatnonzero((runs["job"] == job_idx) & (runs["start"] > lo) &
                                (runs["end"] < clock.cutoff_ms - 8 * HOUR) & (runs["result"] != RUNNING))
    if not len(candidates):
        return
    i = candidates[len(candidates) // 2]
    if runs["result"][i] not in (FAILED, ERROR):
        runs["result"][i] = FAILED
        runs["term"][i] = TERM_INDEX["RUN_EXECUTION_ERROR"]
        runs["end"][i] = max(runs["end"][i], runs["start"][i] + 4 * MINUTE)
    runs["note"][i] = note


def _add_job_retries(rng, world: World, ja: JobArrays, runs: dict) -> dict:
    """A failed run re-triggered as a new run (trigger ONETIME_RETRY) by the job's retry policy."""
    retry_jobs = np.array([j.retry_on_failure for j in world.jobs])
    failed = np.isin(runs["result"], [FAILED, ERROR]) & retry_jobs[runs["job"]]
    pick = failed & (rng.random(len(failed)) < 0.6) & (runs["note"] != NOTE["repaired_run"])
    pick |= runs["note"] == NOTE["retried_run"]
    src = np.flatnonzero(pick & (runs["end"] < world.clock.now_ms - 10 * MINUTE))
    if not len(src):
        return runs
    job = runs["job"][src]
    start = runs["end"][src] + rng.integers(60, 300, size=len(src)) * SECOND
    ok = start < world.clock.now_ms
    src, job, start = src[ok], job[ok], start[ok]
    result = np.where(rng.random(len(src)) < 0.85, SUCCEEDED, FAILED).astype(np.int8)
    result[runs["note"][src] == NOTE["retried_run"]] = SUCCEEDED
    dur = _durations(rng, ja, job, start, result, np.full(len(src), -1, dtype=np.int64), world.clock)
    new = {"job": job, "start": start, "end": start + dur, "scheduled": np.full(len(src), -1, dtype=np.int64),
           "result": result, "term": draw_termination(rng, result), "trigger": np.full(len(src), T_RETRY, np.int8),
           "retry_of": src.astype(np.int64), "note": np.zeros(len(src), dtype=np.int8)}
    return {k: np.concatenate([runs[k], new[k].astype(runs[k].dtype)]) for k in runs}


def _finalise(rng, world: World, ja: JobArrays, raw: dict) -> Runs:
    clock = world.clock
    order = np.argsort(raw["start"] * 16384 + raw["job"] % 16384, kind="stable")
    remap = np.empty(len(order), dtype=np.int64)
    remap[order] = np.arange(len(order))
    r = {k: v[order] for k, v in raw.items()}
    r["retry_of"] = np.where(r["retry_of"] >= 0, remap[np.maximum(r["retry_of"], 0)], -1)
    running = r["end"] > clock.now_ms
    r["result"] = np.where(running, RUNNING, r["result"]).astype(np.int8)
    r["term"] = np.where(running, -1, r["term"]).astype(np.int16)
    n = len(order)
    run_id = 570_000_000_000_000 + np.cumsum(rng.integers(1, 40, size=n)) * TASK_ID_BLOCK
    job = r["job"]
    n_tasks = ja.n_tasks[job].astype(np.int64)
    fail_slot = np.where(np.isin(r["result"], [FAILED, ERROR, TIMED_OUT, CANCELLED]),
                         (rng.random(n) * n_tasks).astype(np.int64), -1)
    lvl = ja.level[job, np.maximum(fail_slot, 0)]
    reach = np.where(fail_slot >= 0, ja.level_end[job, lvl], 1.0)
    d_sched = ((r["end"] - r["start"]) / np.maximum(reach, 0.05)).astype(np.int64)
    run_type = np.array([j.run_type for j in world.jobs], dtype=np.int8)[job]
    runs = Runs(job=job, run_id=run_id, start=r["start"], end=r["end"], scheduled=r["scheduled"], result=r["result"],
                term=r["term"], trigger=r["trigger"], run_type=run_type, retry_of=r["retry_of"],
                fail_slot=fail_slot, d_sched=d_sched, note=r["note"])
    return runs


# ---------------------------------------------------------------------------------------------------------------
# Segments (original execution + repairs)


def cluster_ids(rng: np.random.Generator, at_ms: np.ndarray) -> np.ndarray:
    """Databricks-style cluster ids, `MMDD-HHMMSS-xxxxxxxx`, stamped with the creation time."""
    text = np.datetime_as_string(np.asarray(at_ms, dtype="datetime64[ms]"), unit="s")  # YYYY-MM-DDTHH:MM:SS
    chars = np.ascontiguousarray(text.astype("<U19")).view("<U1").reshape(-1, 19)
    pick = chars[:, [5, 6, 8, 9, 10, 11, 12, 14, 15, 17, 18]].copy()
    pick[:, 4] = "-"
    stamp = np.ascontiguousarray(pick).view("<U11").reshape(-1)
    return np.char.add(np.char.add(stamp, "-"), random_tokens(rng, len(stamp), 8, "abcdefghijklmnopqrstuvwxyz0123456789"))


def build_segments(rng: np.random.Generator, world: World, ja: JobArrays, runs: Runs) -> Segments:
    clock = world.clock
    n = len(runs)
    job = runs.job
    failed = np.isin(runs.result, [FAILED, ERROR, TIMED_OUT])
    not_streak = ja.profile[job] != PROFILES.index("failing_streak")
    retried = np.zeros(n, dtype=bool)
    retried[runs.retry_of[runs.retry_of >= 0]] = True
    repair = failed & not_streak & ~retried & (runs.trigger != T_CONTINUOUS) & (rng.random(n) < 0.2)
    repair |= runs.note == NOTE["repaired_run"]
    rep = np.flatnonzero(repair)
    lvl = ja.level[job[rep], np.maximum(runs.fail_slot[rep], 0)]
    base_frac = ja.level_start[job[rep], lvl]
    rep_start = runs.end[rep] + rng.integers(15, 240, size=len(rep)) * MINUTE
    rep_start = np.where(runs.note[rep] == NOTE["repaired_run"], runs.end[rep] + 35 * MINUTE, rep_start)
    ok_result = (rng.random(len(rep)) < 0.85) | (runs.note[rep] == NOTE["repaired_run"])
    span = np.where(ok_result, 1.0 - base_frac, ja.level_end[job[rep], lvl] - base_frac)
    rep_dur = (runs.d_sched[rep] * span * rng.uniform(0.9, 1.2, size=len(rep))).astype(np.int64) + SECOND
    keep = rep_start + rep_dur < clock.cutoff_ms - MINUTE
    rep, lvl, base_frac, rep_start, ok_result, rep_dur = (a[keep] for a in (rep, lvl, base_frac, rep_start, ok_result, rep_dur))
    rep_result = np.where(ok_result, SUCCEEDED, FAILED).astype(np.int8)

    seg_run = np.concatenate([np.arange(n), rep])
    kind = np.concatenate([np.zeros(n, np.int8), np.ones(len(rep), np.int8)])
    start = np.concatenate([runs.start, rep_start])
    end = np.concatenate([runs.end, rep_start + rep_dur])
    result = np.concatenate([runs.result, rep_result]).astype(np.int8)
    term = np.concatenate([runs.term, np.where(ok_result, TERM_INDEX["SUCCESS"], TERM_INDEX["RUN_EXECUTION_ERROR"])])
    fail_slot = np.concatenate([runs.fail_slot, np.where(ok_result, -1, runs.fail_slot[rep])])
    from_level = np.concatenate([np.zeros(n, np.int8), lvl.astype(np.int8)])
    base = np.concatenate([np.zeros(n), base_frac])
    d_sched = np.concatenate([runs.d_sched, runs.d_sched[rep]])
    m = len(start)
    comp = ja.compute[job[seg_run]]
    setup = np.select([comp == 0, comp == 1], [rng.integers(120, 420, m), rng.integers(4, 40, m)], rng.integers(0, 3, m))
    dur_s = (end - start) // SECOND
    setup = np.minimum(setup, dur_s // 2)
    queue = np.where(rng.random(m) < 0.08, rng.integers(1, 120, m), 0)
    queue = np.minimum(queue, np.maximum(dur_s - setup, 0) // 4)
    cleanup = np.minimum(rng.integers(3, 30, m), np.maximum(dur_s - setup - queue, 0) // 10)
    cid = np.full(m, None, dtype=object)
    classic = np.flatnonzero(comp == 0)
    cid[classic] = cluster_ids(rng, start[classic] - setup[classic] * 0)
    ap = np.flatnonzero(comp == 2)
    shared = np.array([j.existing_cluster_id for j in world.jobs], dtype=object)
    cid[ap] = shared[job[seg_run[ap]]]
    return Segments(run=seg_run, kind=kind, start=start, end=end, result=result, term=term.astype(np.int16),
                    fail_slot=fail_slot, from_level=from_level, base_frac=base, d_sched=d_sched, setup_s=setup,
                    queue_s=queue, cleanup_s=cleanup, cluster_id=cid)


# ---------------------------------------------------------------------------------------------------------------
# Task runs
#
# Vocabulary of job_task_run_timeline chosen here (the docs do not spell it out for tasks):
# - a task downstream of a failed (FAILED / ERROR) task never starts: result_state BLOCKED, termination_code SKIPPED,
#   a zero-length slice at the moment the run ended;
# - a task downstream of a cancelled or timed-out task: CANCELLED / CANCELLED, zero-length;
# - the tasks of a SKIPPED or BLOCKED job run get the run's result, zero-length at the run's start;
# - a task retry is another task run (own run_id) for the same task_key: the first attempt FAILED.


def build_task_runs(rng: np.random.Generator, world: World, ja: JobArrays, runs: Runs, segs: Segments) -> TaskRuns:
    now = world.clock.now_ms
    job = runs.job[segs.run]
    cols: dict[str, list] = {k: [] for k in ("seg", "slot", "attempt", "offset", "start", "end", "result", "term")}
    fail_level = np.where(segs.fail_slot >= 0, ja.level[job, np.maximum(segs.fail_slot, 0)], 99)
    p_retry = np.where(np.array(["task_retry" in j.notes for j in world.jobs])[job], 0.25, 0.04)
    forced_retry = (runs.note[segs.run] == NOTE["task_retry"]) & (segs.kind == 0)
    queued = runs.note[segs.run] == NOTE["queued_run"]
    success_code, skipped_code = TERM_INDEX["SUCCESS"], TERM_INDEX["SKIPPED"]
    cancelled_code, failed_code = TERM_INDEX["CANCELLED"], TERM_INDEX["RUN_EXECUTION_ERROR"]
    for t in range(MAX_TASKS):
        lvl = ja.level[job, t]
        valid = (t < ja.n_tasks[job]) & (lvl >= segs.from_level)
        idx = np.flatnonzero(valid)
        if not len(idx):
            continue
        s, e, R = segs.start[idx], segs.end[idx], segs.result[idx]
        L, f, lv = fail_level[idx], segs.fail_slot[idx], lvl[idx]
        ts = s + ((ja.frac_start[job[idx], t] - segs.base_frac[idx]) * segs.d_sched[idx]).astype(np.int64)
        te = s + ((ja.frac_end[job[idx], t] - segs.base_frac[idx]) * segs.d_sched[idx]).astype(np.int64)
        res = np.full(len(idx), SUCCEEDED, dtype=np.int8)
        term = np.full(len(idx), success_code, dtype=np.int16)
        failing = np.isin(R, [FAILED, ERROR, TIMED_OUT, CANCELLED])
        own = failing & (f == t)
        res[own], term[own] = R[own], segs.term[idx][own]
        te = np.where(own, e, te)
        same_level = failing & (lv == L) & (f != t)
        te = np.where(same_level, np.minimum(te, e), te)
        down = failing & (lv > L)
        blocked = down & np.isin(R, [FAILED, ERROR])
        res[blocked], term[blocked] = BLOCKED, skipped_code
        res[down & ~blocked], term[down & ~blocked] = CANCELLED, cancelled_code
        ts, te = np.where(down, e, ts), np.where(down, e, te)
        never = np.isin(R, [SKIPPED, BLOCKED])
        res[never], term[never] = R[never], segs.term[idx][never]
        ts, te = np.where(never, s, ts), np.where(never, s, te)
        live = R == RUNNING
        res[live & (te > now)] = RUNNING
        res[live & ((ts > now) | queued[idx])] = PENDING
        term[live & (te > now)] = -1
        te = np.minimum(np.maximum(te, ts), np.where(never | down, te, np.maximum(e, ts)))

        retry = (ja.max_retries[job[idx], t] > 0) & np.isin(res, [SUCCEEDED, FAILED]) & (te - ts > 20 * SECOND)
        retry &= (rng.random(len(idx)) < p_retry[idx]) | (forced_retry[idx] & (t == 0))
        first_end = ts + (te - ts) * 45 // 100
        second_start = ts + (te - ts) // 2
        offset = 1 + t + 10 * segs.kind[idx]
        _extend(cols, idx, t, 0, offset, ts, np.where(retry, first_end, te),
                np.where(retry, FAILED, res), np.where(retry, failed_code, term))
        r = np.flatnonzero(retry)
        _extend(cols, idx[r], t, 1, offset[r] + 5, second_start[r], te[r], res[r], term[r])

    seg = np.concatenate(cols["seg"])
    order = np.lexsort((np.concatenate(cols["offset"]), seg))
    seg = seg[order]
    run = segs.run[seg]
    return TaskRuns(
        seg=seg, run=run, slot=np.concatenate(cols["slot"])[order], attempt=np.concatenate(cols["attempt"])[order],
        task_run_id=runs.run_id[run] + np.concatenate(cols["offset"])[order],
        start=np.concatenate(cols["start"])[order], end=np.concatenate(cols["end"])[order],
        result=np.concatenate(cols["result"])[order].astype(np.int8),
        term=np.concatenate(cols["term"])[order].astype(np.int16))


def _extend(cols, idx, slot, attempt, offset, start, end, result, term) -> None:
    cols["seg"].append(idx)
    cols["slot"].append(np.full(len(idx), slot, dtype=np.int8))
    cols["attempt"].append(np.full(len(idx), attempt, dtype=np.int8))
    cols["offset"].append(np.broadcast_to(offset, len(idx)).astype(np.int64))
    cols["start"].append(np.asarray(start, dtype=np.int64))
    cols["end"].append(np.asarray(end, dtype=np.int64))
    cols["result"].append(np.asarray(result, dtype=np.int8))
    cols["term"].append(np.asarray(term, dtype=np.int16))
