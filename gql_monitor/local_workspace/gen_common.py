"""Shared constants and vectorised helpers of the synthetic workspace generator.

Times inside the generator are int64 epoch milliseconds; they become TIMESTAMPTZ only when written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa

SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

HOME_WORKSPACE_ID = "1234567890123456"
ACCOUNT_ID = "9f3c2a71-4b8e-4d2a-9c61-5e7f0a1b2c3d"
LAG_MINUTES = 10
API_RETENTION_DAYS = 60
ANALYST = "analyst@example.com"

# Rows the system tables emitted before these dates lack the columns added then (see system-tables.md §4, §6, §2.2).
NEW_COLUMNS_SINCE_MS = int(datetime(2025, 12, 1, tzinfo=timezone.utc).timestamp() * 1000)
DESCRIPTION_SINCE_MS = int(datetime(2024, 8, 26, tzinfo=timezone.utc).timestamp() * 1000)
USAGE_JOB_NAME_SINCE_MS = int(datetime(2025, 9, 1, tzinfo=timezone.utc).timestamp() * 1000)

# Result vocabulary of lakeflow.job_run_timeline / job_task_run_timeline, indexed by the int8 codes used in arrays.
RESULTS = np.array(["SUCCEEDED", "FAILED", "ERROR", "TIMED_OUT", "CANCELLED", "SKIPPED", "BLOCKED"], dtype=object)
SUCCEEDED, FAILED, ERROR, TIMED_OUT, CANCELLED, SKIPPED, BLOCKED = range(7)
RUNNING = -1   # still executing at `now`: no end row yet
PENDING = -2   # a task of a running job run that has not started yet: no timeline row at all

TRIGGERS = np.array(["CRON", "ONETIME", "ONETIME_RETRY", "FILE_ARRIVAL", "CONTINUOUS"], dtype=object)
T_CRON, T_ONETIME, T_RETRY, T_FILE, T_CONTINUOUS = range(5)
API_TRIGGER = {"CRON": "PERIODIC", "ONETIME": "ONE_TIME", "ONETIME_RETRY": "RETRY",
               "FILE_ARRIVAL": "FILE_ARRIVAL", "CONTINUOUS": "CONTINUOUS"}

RUN_TYPES = np.array(["JOB_RUN", "SUBMIT_RUN", "WORKFLOW_RUN"], dtype=object)

# Termination codes (table vocabulary) drawn per result, with their termination_type and weight.
TERMINATIONS: dict[int, list[tuple[str, str, float]]] = {
    SUCCEEDED: [("SUCCESS", "SUCCESS", 1.0)],
    FAILED: [("RUN_EXECUTION_ERROR", "CLIENT_ERROR", 0.62), ("STORAGE_ACCESS_ERROR", "CLIENT_ERROR", 0.12),
             ("LIBRARY_INSTALLATION_ERROR", "CLIENT_ERROR", 0.10), ("UNAUTHORIZED_ERROR", "CLIENT_ERROR", 0.05),
             ("RESOURCE_NOT_FOUND", "CLIENT_ERROR", 0.05), ("INVALID_RUN_CONFIGURATION", "CLIENT_ERROR", 0.06)],
    ERROR: [("DRIVER_ERROR", "INTERNAL_ERROR", 0.45), ("CLUSTER_ERROR", "INTERNAL_ERROR", 0.30),
            ("CLOUD_FAILURE", "CLOUD_FAILURE", 0.25)],
    # The API reports timeouts as CANCELED "by the Databricks platform"; the table spells it CANCELLED.
    TIMED_OUT: [("CANCELLED", "CLIENT_ERROR", 1.0)],
    CANCELLED: [("CANCELLED", "CLIENT_ERROR", 1.0)],
    SKIPPED: [("MAX_CONCURRENT_RUNS_EXCEEDED", "CLIENT_ERROR", 0.6), ("SKIPPED", "SUCCESS", 0.25),
              ("MAX_JOB_QUEUE_SIZE_EXCEEDED", "CLIENT_ERROR", 0.15)],
    BLOCKED: [("WORKSPACE_RUN_LIMIT_EXCEEDED", "CLIENT_ERROR", 1.0)],
}
TERM_CODES = np.array(sorted({c for opts in TERMINATIONS.values() for c, _, _ in opts}), dtype=object)
TERM_TYPE_OF = {c: t for opts in TERMINATIONS.values() for c, t, _ in opts}
TERM_INDEX = {c: i for i, c in enumerate(TERM_CODES)}


def draw_termination(rng: np.random.Generator, results: np.ndarray) -> np.ndarray:
    """Index into TERM_CODES for each result code (-1 where the run has no result yet)."""
    out = np.full(len(results), -1, dtype=np.int16)
    for res, options in TERMINATIONS.items():
        sel = np.flatnonzero(results == res)
        if not len(sel):
            continue
        weights = np.array([w for _, _, w in options])
        pick = rng.choice(len(options), size=len(sel), p=weights / weights.sum())
        out[sel] = np.array([TERM_INDEX[c] for c, _, _ in options])[pick]
    return out


def hour_slices(start_ms: np.ndarray, end_ms: np.ndarray):
    """Cut intervals at clock hours: [start, next_hour), [h, h+1), ..., [last_hour, end].

    Returns (owner index, slice start, slice end, is_last). A zero-length interval gives one zero-length slice.
    """
    start_ms = np.asarray(start_ms, dtype=np.int64)
    end_ms = np.asarray(end_ms, dtype=np.int64)
    k0 = start_ms // HOUR
    n = hour_slice_counts(start_ms, end_ms)
    owner = np.repeat(np.arange(len(start_ms)), n)
    pos = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    hour = k0[owner] + pos
    last = pos == n[owner] - 1
    s = np.where(pos == 0, start_ms[owner], hour * HOUR)
    e = np.where(last, end_ms[owner], (hour + 1) * HOUR)
    return owner, s, e, last


def hour_slice_counts(start_ms: np.ndarray, end_ms: np.ndarray) -> np.ndarray:
    """How many slices hour_slices cuts each interval into: what a batch of intervals becomes in rows."""
    start_ms = np.asarray(start_ms, dtype=np.int64)
    end_ms = np.asarray(end_ms, dtype=np.int64)
    return np.maximum(-(-end_ms // HOUR) - start_ms // HOUR, 1)


def ts_array(ms: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(ms, dtype=np.int64), type=pa.timestamp("ms", tz="UTC"), mask=mask)


def nano_decimal(nanos: np.ndarray) -> pa.Array:
    """Exact decimals from integer billionths, zero-copy (cast to DECIMAL(38,18) in SQL)."""
    buf = np.ascontiguousarray(np.asarray(nanos, dtype=np.int64))
    return pa.Array.from_buffers(pa.decimal64(18, 9), len(buf), [None, pa.py_buffer(buf.tobytes())])


def random_tokens(rng: np.random.Generator, n: int, length: int, alphabet: str) -> np.ndarray:
    """n random strings of `length` characters, without a Python-level loop."""
    chars = np.array(list(alphabet), dtype="<U1")[rng.integers(0, len(alphabet), size=(n, length))]
    return np.ascontiguousarray(chars).view(f"<U{length}").reshape(n)


@dataclass(frozen=True)
class Clock:
    now_ms: int
    window_days: int

    @property
    def cutoff_ms(self) -> int:
        """What the system tables have caught up to."""
        return self.now_ms - LAG_MINUTES * MINUTE

    @property
    def window_start_ms(self) -> int:
        return (self.now_ms - self.window_days * DAY) // HOUR * HOUR

    @property
    def api_start_ms(self) -> int:
        return self.now_ms - API_RETENTION_DAYS * DAY


def dict_col(indices: np.ndarray, values) -> pa.DictionaryArray:
    """A string column as indices into `values` (negative index = NULL): cheap for repeated strings."""
    indices = np.asarray(indices, dtype=np.int32)
    mask = indices < 0
    idx = pa.array(np.where(mask, 0, indices), type=pa.int32(), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(values), type=pa.string()))


def int_col(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(),
                    mask=mask if mask is not None and mask.any() else None)
