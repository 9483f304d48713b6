"""The Jobs API's loaders: each question asked once per operation however many fields ask it, and one failing page
fails only its own key. Driven with plain callables standing in for the JobsApi methods."""

from __future__ import annotations

import asyncio

import pytest

from gql_monitor.loaders.live import HOME_WORKSPACE, ActiveRunsPage, active_runs_page_loader, home_workspace_loader


async def test_home_workspace_is_asked_once_per_operation():
    calls = []

    async def home_workspace_id():
        calls.append(1)
        return "1234"

    loader = home_workspace_loader(home_workspace_id)
    first = await asyncio.gather(*(loader.load(HOME_WORKSPACE) for _ in range(5)))
    later = await loader.load(HOME_WORKSPACE)
    assert first == ["1234"] * 5 and later == "1234"
    assert len(calls) == 1


async def test_active_runs_pages_are_deduplicated_and_fail_alone():
    asked: list[ActiveRunsPage] = []

    async def list_active_runs(page: ActiveRunsPage):
        asked.append(page)
        if page.page_token == "broken":
            raise RuntimeError("page refused")
        return {"runs": [{"run_id": n} for n in range(page.limit)], "next_page_token": None}

    loader = active_runs_page_loader(list_active_runs)
    first, again, other = await asyncio.gather(
        loader.load(ActiveRunsPage(None, 2)), loader.load(ActiveRunsPage(None, 2)), loader.load(ActiveRunsPage("t", 3))
    )
    assert first is again and len(first["runs"]) == 2 and len(other["runs"]) == 3
    assert sorted(asked, key=repr) == sorted([ActiveRunsPage(None, 2), ActiveRunsPage("t", 3)], key=repr)
    with pytest.raises(RuntimeError, match="page refused"):
        await loader.load(ActiveRunsPage("broken", 1))
