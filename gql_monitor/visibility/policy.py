"""GQL_MONITOR_JOB_VISIBILITY applied to one caller: the jobs they may see, from their groups and the jobs' lists.

`permissions`: a member of a full-view group (GQL_MONITOR_FULL_VIEW_GROUPS) sees everything, as with `all`.
Anyone else sees a job when its permission list names them (as a user or service principal) or one of their groups
at any level: CAN_VIEW, CAN_MANAGE_RUN, CAN_MANAGE or IS_OWNER, the levels that let them open it in the Jobs UI. A
job whose list could not be read is not visible; neither are jobs of other workspaces, whose lists this workspace's
API cannot give.
"""

from __future__ import annotations

from collections import OrderedDict

from gql_monitor.settings import Settings
from gql_monitor.sources.job_permissions import JobPermissions, PermissionLists
from gql_monitor.visibility.scope import ALL_JOBS, JobScope

# Scopes computed from one read of the lists, per (user, groups): a page load's requests share one.
SCOPE_MEMORY = 512


def is_full_view(groups: frozenset[str], settings: Settings) -> bool:
    wanted = {g.lower() for g in settings.full_view_groups}
    return any(g.lower() in wanted for g in groups)


def scope_from(lists: PermissionLists, user_name: str, groups: frozenset[str]) -> JobScope:
    me = user_name.strip().lower()
    mine = {g.strip().lower() for g in groups}
    visible = frozenset(
        f"{lists.workspace_id}:{job_id}" for job_id, grants in lists.grants.items()
        if any((grant.name in mine) if grant.kind == "group" else (grant.name == me) for grant in grants)
    )
    reasons = sorted(set(lists.unreadable.values())) + (["JOB_LIST_UNAVAILABLE"] if lists.incomplete else [])
    return JobScope(full=False, job_keys=visible, unreadable=len(lists.unreadable), reasons=tuple(reasons))


class VisibilityPolicy:
    """The process-wide policy: which scope a caller gets."""

    def __init__(self, settings: Settings, permissions: JobPermissions) -> None:
        self._settings = settings
        self.permissions = permissions
        self._memory: OrderedDict[tuple[str, frozenset[str]], JobScope] = OrderedDict()
        self._memory_of: PermissionLists | None = None

    @property
    def by_permissions(self) -> bool:
        return self._settings.job_visibility == "permissions"

    async def scope_for(self, user_name: str, groups: frozenset[str]) -> JobScope:
        if not self.by_permissions or is_full_view(groups, self._settings):
            return ALL_JOBS
        lists = await self.permissions.lists()
        if lists is not self._memory_of:
            self._memory.clear()
            self._memory_of = lists
        key = (user_name.lower(), groups)
        scope = self._memory.get(key)
        if scope is None:
            scope = self._memory[key] = scope_from(lists, user_name, groups)
            while len(self._memory) > SCOPE_MEMORY:
                self._memory.popitem(last=False)
        return scope
