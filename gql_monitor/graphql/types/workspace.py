"""Workspace: where a job lives."""

from __future__ import annotations

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.questions.workspaces import WorkspacesQuery


@strawberry.type(description="A workspace of the account (system.access.workspaces_latest).")
class Workspace:
    id: str = strawberry.field(description="The workspace id.")
    name: str | None = strawberry.field(description="The workspace's name; null when the account list lacks it.")
    url: str | None = strawberry.field(description="The workspace's URL; null when the account list lacks it.")
    status: str | None = strawberry.field(
        description="The workspace's status as system.access.workspaces_latest reports it (e.g. RUNNING); null when "
        "the account list lacks it."
    )


async def load_workspace(info: Info, workspace_id: str) -> Workspace:
    row = await info.context.loaders.workspace.load(workspace_id)
    if row is None:
        # The tables can name a workspace the account list does not (yet) hold; still a workspace.
        return Workspace(id=workspace_id, name=None, url=None, status=None)
    return Workspace(id=workspace_id, name=row["workspace_name"], url=row["workspace_url"], status=row["status"])


async def list_workspaces(info: Info) -> list[Workspace]:
    """The account's workspaces; for a caller who sees only some jobs, the workspaces of those jobs (a workspace
    holding none of them would only ever show empty pages)."""
    scope = info.context.principal.scope
    rows = await info.context.loaders.workspace_list.load(WorkspacesQuery())
    mine = None if scope.full else {key.partition(":")[0] for key in scope.job_keys}
    return [Workspace(id=str(row["workspace_id"]), name=row["workspace_name"], url=row["workspace_url"],
                      status=row["status"])
            for row in rows if mine is None or str(row["workspace_id"]) in mine]


async def page_url(info: Info, workspace_id: str, path: str) -> str | None:
    """A page of the workspace's UI (`path` under its URL, with `?o=` naming the workspace, as Databricks' own links
    do); null when the account list has no http(s) URL for it."""
    base = (await load_workspace(info, workspace_id)).url
    if not base or not base.lower().startswith(("https://", "http://")):
        return None
    return f"{base.rstrip('/')}/{path}?o={workspace_id}"
