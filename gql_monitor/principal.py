"""Who a query runs for, as the data layers see it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from gql_monitor.visibility.scope import ALL_JOBS, JobScope


@dataclass(frozen=True)
class Principal:
    """The caller, and the credentials their statements and API calls carry.

    `token` is the caller's own token when data access is on-behalf-of the user; None means the app's own credentials.
    `scope` is the jobs they may see (visibility/scope.py); statements carry it as parameters, so it is in every
    answer's cache key already.
    `partition` names the slice of every cache and connection pool this caller may share: all callers that run
    with the app's credentials see the same data and share one partition, while each OBO user has their own.
    """

    user_name: str
    token: str | None = None
    scope: JobScope = ALL_JOBS

    @property
    def partition(self) -> str:
        return f"user:{self.user_name}" if self.token is not None else "app"

    @property
    def caller_key(self) -> str:
        """The caller themselves, within their partition. What is computed for one caller as a whole (a GraphQL
        response, which may hold `viewer`, allow-list outcomes or any field added later that depends on who asks) is
        kept under this key, never under `partition` alone, which service-principal callers all share. The scope is
        part of it, so a response computed before a caller lost access to a job is not served after."""
        return f"{self.partition}|caller:{self.user_name}|{self.scope.key}"

    @property
    def credential_key(self) -> str:
        """Distinguishes connections: a refreshed user token must not reuse a session opened with the old one."""
        if self.token is None:
            return "app"
        return "user:" + hashlib.sha256(self.token.encode()).hexdigest()[:24]


APP = Principal(user_name="app")
