"""web/src/live.ts in a real headless Chromium: the page's live feed of running jobs follows the stand-in's active
runs over a websocket, and falls back to polling the `activeRuns` query when websockets are unavailable or refused.

The UI's entry module exports the feed (web/src/main.ts); the test imports that module in the page, as the pages
do, and records what each call of `onChange` got. The fallback's interval runs on Playwright's fake clock, paused:
time is an input there too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.helpers import truth
from api.test_subscriptions import active_truth, finish, set_state, start_run, wait_for
from api.test_visibility import home_workspace
from browser_support import VIEWPORT
from conftest import NOW, RunningMonitor, monitor_settings

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
POLL_MS = 15_000

# Loads the app's entry module (the same instance the page runs) and starts watching, recording every call.
WATCH = """async (runId) => {
  const live = await import(document.querySelector('script[type=module]').src);
  window.updates = [];
  window.runUpdates = [];
  const record = (list) => (value) => list.push(JSON.parse(JSON.stringify(value)));
  window.stopAll = live.watchActiveRuns(record(window.updates));
  if (runId) window.stopRun = live.watchRun(runId, record(window.runUpdates));
}"""


@pytest.fixture
def page_of(chromium):
    contexts = []

    def open_page(monitor, *, init_script: str | None = None, fake_clock: bool = False):
        context = chromium.new_context(viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        if fake_clock:
            # Paused from the start: the page's time moves only when the test says (a clock that flows with the
            # wall's catches up in jumps, firing a 15 s timer early).
            page.clock.install(time=NOW)
            page.clock.pause_at(NOW + timedelta(seconds=1))
        if init_script:
            page.add_init_script(init_script)
        page.goto(monitor.base_url + "/jobs")  # a navigation of the demo: signed in by its cookie
        page.wait_for_selector("main:not([aria-busy])", state="attached")
        page.errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()


def updates(page, name: str = "updates") -> list[dict]:
    return page.evaluate(f"window.{name}")


def wait_for_updates(page, count: int, name: str = "updates") -> list[dict]:
    # Polled from here: the page's CSP (no eval) refuses Playwright's wait_for_function.
    return wait_for(lambda: (got := updates(page, name)) is not None and len(got) >= count and got,
                    f"{count} calls of the {name} callback")


def ids(runs: list[dict]) -> set[str]:
    return {run["id"] for run in runs}


def test_the_feed_follows_the_stand_ins_active_runs_over_a_websocket(page_of, private_workspace):
    ws = private_workspace
    home = home_workspace(ws)
    active = active_truth(ws)
    first, second = sorted(active)[:2]
    settings = monitor_settings(ws, demo_default_token="local-admin", subscription_poll_seconds=0.05)
    with RunningMonitor(settings) as demo:
        page = page_of(demo)
        page.evaluate(WATCH, f"{home}:{first}")
        [snapshot] = wait_for_updates(page, 1)
        assert snapshot["mode"] == "live" and snapshot["errors"] == []
        assert ids(snapshot["runs"]) == {f"{home}:{run}" for run in active} == set(snapshot["added"])
        assert [r["startTime"] for r in snapshot["runs"]] == sorted((r["startTime"] for r in snapshot["runs"]),
                                                                     reverse=True)
        assert wait_for_updates(page, 1, "runUpdates")[0]["active"] is True

        set_state(ws, first, "TERMINATING", "Shutting down the cluster")
        change = wait_for_updates(page, 2)[-1]
        assert change["updated"] == [f"{home}:{first}"] and change["added"] == [] and change["ended"] == []
        assert next(r for r in change["runs"] if r["id"] == f"{home}:{first}")["stateMessage"] == \
            "Shutting down the cluster"
        assert wait_for_updates(page, 2, "runUpdates")[-1]["run"]["lifeCycleState"] == "TERMINATING"

        start_run(ws, active[second], 990000000000011)
        change = wait_for_updates(page, 3)[-1]
        assert change["added"] == [f"{home}:990000000000011"]
        assert change["runs"][0]["id"] == f"{home}:990000000000011", "newest first"

        finish(ws, first, "FAILED")
        change = wait_for_updates(page, 4)[-1]
        assert [(r["id"], r["live"]["resultState"]) for r in change["ended"]] == [(f"{home}:{first}", "FAILED")]
        assert f"{home}:{first}" not in ids(change["runs"])
        last = wait_for_updates(page, 3, "runUpdates")[-1]
        assert last["active"] is False and last["live"]["resultState"] == "FAILED"

        # Stopping the last watch closes the page's websocket, and with it the monitor's poller.
        page.evaluate("window.stopAll()")
        hub = demo.app.state.subscriptions.hub
        wait_for(lambda: hub.pollers() == {}, "the page's websocket to close and its poller to stop")
        assert page.errors == []


@pytest.mark.parametrize("refused", ["no websockets in the browser", "websockets turned off"])
def test_without_websockets_the_feed_polls_the_active_runs_query(page_of, private_workspace, refused):
    ws = private_workspace
    home = home_workspace(ws)
    active = active_truth(ws)
    first = min(active)
    # No live cache: the fallback's next poll must see the stand-in's change, not the page cached 10 s before.
    settings = monitor_settings(ws, demo_default_token="local-admin", live_cache_seconds=0,
                                subscription_max_connections=0 if refused == "websockets turned off" else 500)
    with RunningMonitor(settings) as demo:
        page = page_of(demo, fake_clock=True,
                       init_script="delete window.WebSocket" if refused == "no websockets in the browser" else None)
        page.evaluate(WATCH, f"{home}:{first}")
        [snapshot] = wait_for_updates(page, 1)
        assert snapshot["mode"] == "polling" and snapshot["errors"] == []
        assert ids(snapshot["runs"]) == {f"{home}:{run}" for run in active}
        assert wait_for_updates(page, 1, "runUpdates")[0]["mode"] == "polling"

        finish(ws, first, "SUCCESS")
        # Nothing is asked before the interval is up; then one poll sees the change.
        page.clock.run_for(POLL_MS - 5000)
        page.wait_for_timeout(200)
        assert len(updates(page)) == 1
        page.clock.run_for(6000)
        change = wait_for_updates(page, 2)[-1]
        assert change["mode"] == "polling"
        assert [r["id"] for r in change["ended"]] == [f"{home}:{first}"]
        assert f"{home}:{first}" not in ids(change["runs"])
        assert wait_for_updates(page, 2, "runUpdates")[-1]["active"] is False
        assert page.errors == []
        assert truth(ws, "SELECT count(*) FROM workspace_state.runs WHERE active")[0][0] == len(active) - 1
