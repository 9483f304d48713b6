"""A caller's job scope: all jobs, or the set of jobs they may see.

The system tables ignore job permissions, so the scope is applied where the data is read: every statement that reads
job data filters on the two parameters `params()` gives (`:all_jobs`, `:visible_jobs`; see the `_scope` comments in
gql_monitor/questions/), and live answers from the Jobs API are dropped unless `allows_job` says their job may be seen. Equal scopes make
equal statements, so callers who may see the same jobs share cached answers, and callers who may see less never get
an answer computed for more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

SCOPE_PARAMS = ("all_jobs", "visible_jobs")


@dataclass(frozen=True)
class JobScope:
    """`full`: every job, account-wide spend and the unattributed remainder. Otherwise only `job_keys`
    (`<workspace id>:<job id>`); `unreadable` counts the jobs hidden because their permission list could not be read."""

    full: bool
    job_keys: frozenset[str] = frozenset()
    unreadable: int = field(default=0, compare=False)
    # Why they were unreadable: the Permissions API's error codes, or JOB_LIST_UNAVAILABLE when not even the list of
    # jobs could be read (then no job is visible and `unreadable` is 0: there is nothing to count).
    reasons: tuple[str, ...] = field(default=(), compare=False)

    def allows_job(self, workspace_id: Any, job_id: Any) -> bool:
        return self.full or (job_id is not None and f"{workspace_id}:{job_id}" in self.job_keys)

    def params(self) -> dict[str, Any]:
        # An empty set is sent as NULL, which no job matches: the connector cannot type an empty array.
        return {"all_jobs": self.full, "visible_jobs": None if self.full else sorted(self.job_keys) or None}

    @property
    def key(self) -> str:
        """Names the scope in cache keys: equal for equal sets of jobs, short whatever their number."""
        if self.full:
            return "all-jobs"
        digest = hashlib.sha256("\n".join(sorted(self.job_keys)).encode()).hexdigest()[:24]
        return f"jobs:{len(self.job_keys)}:{digest}"


ALL_JOBS = JobScope(full=True)
