"""Viewer and data freshness: who is asking, how their queries run, and how current the answers are."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gql_monitor.graphql.context import Info
from gql_monitor.graphql.types.visibility import JobVisibility, resolve_job_visibility
from gql_monitor.questions.data_freshness import FreshnessQuery
from gql_monitor.questions.data_start import DataStartQuery


@strawberry.enum(description="Whose credentials the monitor's statements and Jobs API calls carry.")
class DataAccess(Enum):
    OBO = "OBO"
    SERVICE_PRINCIPAL = "SERVICE_PRINCIPAL"


@strawberry.type(description="The caller.")
class Viewer:
    user_name: str = strawberry.field(
        description="The caller's user name, as the Databricks Apps proxy or the workspace (for a token) reports it."
    )
    data_access: DataAccess = strawberry.field(
        description="OBO: your own grants apply to the system tables. SERVICE_PRINCIPAL: the app's own identity's "
                    "apply. Which jobs you see is `jobVisibility`."
    )

    @strawberry.field(description="Which jobs you see: all of them, or those your permissions allow.")
    def job_visibility(self, info: Info) -> JobVisibility:
        return resolve_job_visibility(info)


@strawberry.type(description="How far behind the system tables are. The Jobs API is live.")
class DataFreshness:
    latest_run_period_end_time: datetime | None = strawberry.field(
        description="The newest run slice in system.lakeflow.job_run_timeline."
    )
    latest_usage_end_time: datetime | None = strawberry.field(description="The newest hour in system.billing.usage.")
    checked_at: datetime = strawberry.field(description="When the monitor asked.")

    # Where the data begins is its own statement, sent only when one of these fields is selected.
    @strawberry.field(description="The oldest run slice in system.lakeflow.job_run_timeline within the last 367 days "
                                  "(the longest window, and a day): a window starting earlier holds no runs before "
                                  "it. Null when there is none.")
    async def earliest_run_period_start_time(self, info: Info) -> datetime | None:
        return (await _data_start(info)).get("earliest_period_start_time")

    @strawberry.field(description="The oldest usage hour in system.billing.usage within the last 367 days: a window "
                                  "starting earlier holds no spend before it. Null when there is none.")
    async def earliest_usage_start_time(self, info: Info) -> datetime | None:
        return (await _data_start(info)).get("earliest_usage_start_time")


async def _data_start(info: Info) -> dict:
    return DataStartQuery.answer(await info.context.loaders.data_start.load(DataStartQuery(info.context.now)))


def resolve_viewer(info: Info) -> Viewer:
    principal = info.context.principal
    mode = DataAccess.OBO if principal.token is not None else DataAccess.SERVICE_PRINCIPAL
    return Viewer(user_name=principal.user_name, data_access=mode)


async def resolve_freshness(info: Info) -> DataFreshness:
    row = FreshnessQuery.answer(await info.context.loaders.freshness.load(FreshnessQuery(info.context.now)))
    return DataFreshness(
        latest_run_period_end_time=row.get("latest_period_end_time"),
        latest_usage_end_time=row.get("latest_usage_end_time"),
        checked_at=info.context.clock(),
    )
