"""The root Subscription: what is running now, and one run's live state, pushed as they change.

Served over graphql-transport-ws on /api/graphql (gql_monitor/subscriptions/transport.py); fed by one poller per
visibility scope (gql_monitor/subscriptions/). Each message is executed like a query of its own, with the caller's
identity, visibility and limits: `ActiveRun` is the type `activeRuns` returns, with the same fields.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, AsyncGenerator

import strawberry

from gql_monitor.errors import BadUserInput, MonitorError
from gql_monitor.graphql.context import Info
from gql_monitor.graphql.inputs import split_id
from gql_monitor.graphql.types.active_runs import ActiveRun
from gql_monitor.graphql.types.run import RunLive
from gql_monitor.loaders.live import HOME_WORKSPACE
from gql_monitor.subscriptions.feeds import ActiveRunsEvent, LiveFeeds, RunEvent


@strawberry.enum(description="Whether a message holds every active run or what changed since the previous one.")
class LiveChangeKind(Enum):
    SNAPSHOT = strawberry.enum_value("SNAPSHOT", description="The first message: `added` holds every active run.")
    CHANGES = strawberry.enum_value("CHANGES", description="What changed since the previous message.")


@strawberry.type(description="A run that is no longer among the active runs (it finished, or the caller may no "
                             "longer see it), as it was last seen.")
class EndedRun:
    id: strawberry.ID = strawberry.field(description="`<workspace id>:<run id>`.")
    run_id: str = strawberry.field(description="The run id within this workspace.")
    job_id: strawberry.ID = strawberry.field(description="The job's id, `<workspace id>:<job id>`.")
    run_name: str | None = strawberry.field(description="The run's name; null when the Jobs API gave none.")
    last_life_cycle_state: str | None = strawberry.field(
        description="Its life cycle state when it was last seen active (RUNNING, TERMINATING, ...)."
    )

    @strawberry.field(description="Its state now, from the Jobs API (result state, termination code, error "
                                  "message): one call per ended run, asked only when selected; null when the Jobs "
                                  "API no longer holds it or the caller may not see it.")
    async def live(self, info: Info) -> RunLive | None:
        return await _run_live(info, str(self.id))


@strawberry.type(description="The active runs the caller may see: all of them in the first message (SNAPSHOT), "
                             "then what changed (CHANGES). Sent only when something changed; runs whose state did "
                             "not change are not repeated.")
class ActiveRunsChange:
    kind: LiveChangeKind = strawberry.field(description="SNAPSHOT or CHANGES.")
    added: list[ActiveRun] = strawberry.field(description="SNAPSHOT: every active run. CHANGES: runs that became "
                                                          "active since the previous message.")
    updated: list[ActiveRun] = strawberry.field(description="Runs whose life cycle state, result state, status or "
                                                            "state message changed; empty in a SNAPSHOT.")
    ended: list[EndedRun] = strawberry.field(description="Runs that are no longer active; empty in a SNAPSHOT.")
    polled_at: datetime = strawberry.field(description="When the Jobs API was read for this message (UTC).")
    complete: bool = strawberry.field(description="False when more runs were active than one read follows (250): "
                                                  "the newest 250 are shown.")


@strawberry.type(description="One run's live state: sent at once, then whenever its state changes while it is "
                             "active; the last message says it no longer is (`active: false`).")
class RunLiveChange:
    id: strawberry.ID = strawberry.field(description="`<workspace id>:<run id>`, as asked for.")
    active: bool = strawberry.field(description="Whether the run is among the active runs the caller may see.")
    run: ActiveRun | None = strawberry.field(description="The run as `activeRuns` lists it; null once it is not "
                                                         "active.")
    polled_at: datetime = strawberry.field(description="When the Jobs API was read for this message (UTC).")

    @strawberry.field(description="Its details from the Jobs API (`Run.live`): one call per message, asked only "
                                  "when selected; null for a run of another workspace or job the caller may not "
                                  "see, or one the Jobs API no longer holds.")
    async def live(self, info: Info) -> RunLive | None:
        return await _run_live(info, str(self.id))


# Root fields are nullable: an event whose read failed is that field null with the error's code (`JOBS_API_
# UNAVAILABLE`, `RATE_LIMITED`, ...) while the subscription stays open for the next read.
@strawberry.type(description="Live updates over websockets (graphql-transport-ws on /api/graphql; docs/api.md, "
                             "\"Subscriptions\").")
class Subscription:
    @strawberry.subscription(description="The active runs the caller may see: a SNAPSHOT, then each change. Fed by "
                                         "one shared read of the Jobs API per visibility scope every "
                                         "GQL_MONITOR_SUBSCRIPTION_POLL_SECONDS.")
    async def active_runs(self, info: Info) -> AsyncGenerator[ActiveRunsChange | None, None]:
        async for event in _feeds(info).active_runs():
            yield event if isinstance(event, MonitorError) else _active_runs_change(event)

    @strawberry.subscription(description="One run's live state: now, then each change while it is active; the "
                                         "stream completes after the message saying it no longer is.")
    async def run(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="`<workspace id>:<run id>`.")]
    ) -> AsyncGenerator[RunLiveChange | None, None]:
        try:
            workspace_id, run_id = split_id(id, "`id`")
        except BadUserInput as exc:
            yield exc
            return
        async for event in _feeds(info).run(workspace_id, int(run_id)):
            yield event if isinstance(event, MonitorError) else _run_live_change(event)


def _feeds(info: Info) -> LiveFeeds:
    feeds = info.context.feeds
    if feeds is None:
        # Only the websocket transport gives an operation feeds; HTTP refuses subscriptions before this.
        raise BadUserInput("Subscriptions are served over websockets (graphql-transport-ws on /api/graphql).")
    return feeds


def _active_runs_change(event: ActiveRunsEvent) -> ActiveRunsChange:
    workspace_id = event.workspace_id
    return ActiveRunsChange(
        kind=LiveChangeKind.SNAPSHOT if event.snapshot else LiveChangeKind.CHANGES,
        added=[ActiveRun.from_api(workspace_id, dict(run)) for run in event.added],
        updated=[ActiveRun.from_api(workspace_id, dict(run)) for run in event.updated],
        ended=[_ended(workspace_id, run) for run in event.ended],
        polled_at=event.polled_at,
        complete=event.complete,
    )


def _ended(workspace_id: str, run) -> EndedRun:
    return EndedRun(
        id=strawberry.ID(f"{workspace_id}:{run['run_id']}"),
        run_id=str(run["run_id"]),
        job_id=strawberry.ID(f"{workspace_id}:{run.get('job_id')}"),
        run_name=run.get("run_name"),
        last_life_cycle_state=(run.get("state") or {}).get("life_cycle_state"),
    )


def _run_live_change(event: RunEvent) -> RunLiveChange:
    return RunLiveChange(
        id=strawberry.ID(f"{event.workspace_id}:{event.run_id}"),
        active=event.run is not None,
        run=ActiveRun.from_api(event.workspace_id, dict(event.run)) if event.run is not None else None,
        polled_at=event.polled_at,
    )


async def _run_live(info: Info, id: str) -> RunLive | None:
    workspace_id, run_id = split_id(id, "`id`")
    if workspace_id != await info.context.loaders.home_workspace.load(HOME_WORKSPACE):
        return None
    details = await info.context.loaders.run_details.load(int(run_id))
    return RunLive.from_api(details) if details else None
