"""Small reference data: the workspaces of the account, and how fresh the system tables are."""

from __future__ import annotations

from gql_monitor.loaders.batching import Fetch, QuestionLoader, SharedLoader
from gql_monitor.questions import Row
from gql_monitor.questions.data_freshness import FreshnessQuery
from gql_monitor.questions.data_start import DataStartQuery
from gql_monitor.questions.workspaces import WorkspacesQuery


def workspaces_loader(fetch: Fetch) -> SharedLoader[str, Row | None]:
    """Key: a workspace id. All workspaces are one small statement, whichever are asked for."""

    async def load(ids: list[str]) -> list[Row | None]:
        rows = {row["workspace_id"]: row for row in await fetch(WorkspacesQuery())}
        return [rows.get(workspace_id) for workspace_id in ids]

    return SharedLoader(load_fn=load)


def freshness_loader(fetch: Fetch) -> QuestionLoader[FreshnessQuery]:
    return QuestionLoader(fetch)


def data_start_loader(fetch: Fetch) -> QuestionLoader[DataStartQuery]:
    return QuestionLoader(fetch)


def workspace_list_loader(fetch: Fetch) -> QuestionLoader[WorkspacesQuery]:
    """Every workspace of the account, as one list (the `workspaces` root field)."""
    return QuestionLoader(fetch)
