"""What part of the account an answer covers: every job, or the jobs the caller may see (GQL_MONITOR_JOB_VISIBILITY).

Answers that total spend or count across jobs (`costs`, `costInsights`, `dataQuality`) carry a `scope`, so a figure
computed over a caller's visible jobs is never read as the account's."""

from __future__ import annotations

from enum import Enum

import strawberry

from gql_monitor.graphql.context import Info


@strawberry.enum(description="Which jobs the monitor shows a caller (GQL_MONITOR_JOB_VISIBILITY).")
class VisibilityPolicy(Enum):
    ALL = strawberry.enum_value("ALL", description="Every caller sees every job.")
    PERMISSIONS = strawberry.enum_value(
        "PERMISSIONS", description="A caller sees the jobs whose permission list grants them, one of their groups or "
                                   "their ownership any level; members of a full-view group see all.")


@strawberry.enum(description="What an answer covers.")
class JobScopeKind(Enum):
    ALL_JOBS = strawberry.enum_value(
        "ALL_JOBS", description="Every job of the account, and spend that no job carries (the unattributed "
                                "remainder).")
    VISIBLE_JOBS = strawberry.enum_value(
        "VISIBLE_JOBS", description="Only the jobs the caller may see: totals are their sum, and spend of other "
                                    "jobs or of no job is left out.")


@strawberry.type(description="Which jobs this caller sees, and why.")
class JobVisibility:
    policy: VisibilityPolicy = strawberry.field(description="The deployment's policy.")
    scope: JobScopeKind = strawberry.field(description="What this caller's answers cover.")
    visible_job_count: int | None = strawberry.field(
        description="How many jobs of this workspace the caller may see; null with ALL_JOBS.")
    unreadable_job_count: int = strawberry.field(
        description="Jobs hidden from this caller because their permission list could not be read (never shown "
                    "when unsure); 0 with ALL_JOBS.")
    unreadable_reasons: list[str] = strawberry.field(
        description="Why: the Permissions API's error codes (PERMISSION_DENIED: the app may not read them; "
                    "REQUEST_LIMIT_EXCEEDED: throttled), or JOB_LIST_UNAVAILABLE.")


def scope_kind(info: Info) -> JobScopeKind:
    return JobScopeKind.ALL_JOBS if info.context.principal.scope.full else JobScopeKind.VISIBLE_JOBS


def resolve_job_visibility(info: Info) -> JobVisibility:
    ctx = info.context
    scope = ctx.principal.scope
    return JobVisibility(
        policy=VisibilityPolicy.PERMISSIONS if ctx.job_visibility == "permissions" else VisibilityPolicy.ALL,
        scope=scope_kind(info),
        visible_job_count=None if scope.full else len(scope.job_keys),
        unreadable_job_count=scope.unreadable,
        unreadable_reasons=list(scope.reasons),
    )
