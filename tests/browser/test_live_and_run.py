"""Issue 12 in a real headless Chromium: the running panels follow the stand-in's active runs without a reload (a run
that ends moves to history with its outcome, a new one appears with its age against the job's usual p50/p95), the
run page's timeline shows every task run of a repaired run in its attempt, the dark theme follows the system
setting, tables are driven from the keyboard, and the footer names the version. Screenshots go to docs/screenshots."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import pytest

from browser_support import api, screenshot
from api.helpers import truth
# The page and API fixtures are test_ui's own.
from browser.test_ui import Tab, admin, assert_accessible_markup, tab  # noqa: F401
from conftest import RunningMonitor, monitor_settings
from gql_monitor import __version__

pytestmark = pytest.mark.browser

# The panels poll every 10 s; a change shows within one poll.
LIVE_TIMEOUT_MS = 30_000


def duration(seconds: float | None) -> str:
    """web/src/format.ts `duration`, the one way every page writes a duration."""
    if seconds is None:
        return "–"
    total = math.floor(seconds + 0.5)
    if total < 60:
        return f"{total} s"
    days, hours, minutes, secs = total // 86400, total % 86400 // 3600, total % 3600 // 60, total % 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} m"
    return f"{minutes} m {secs:02d} s"


# -- the stand-in's Jobs API state, changed as a workspace would change it ----------------------------------------

def home(ws) -> str:
    return truth(ws, "SELECT value FROM workspace_state.meta WHERE key = 'home_workspace_id'")[0][0]


def stored_run(ws, run_id: int) -> dict:
    return json.loads(truth(ws, "SELECT run FROM workspace_state.runs WHERE run_id = ?", [run_id])[0][0])


def save_run(ws, run: dict, active: bool) -> None:
    ws.state.db.execute("UPDATE workspace_state.runs SET run = ?::JSON, active = ?, start_time = ?, end_time = ? "
                        "WHERE run_id = ?", [json.dumps(run), active, run["start_time"], run["end_time"] or None,
                                             run["run_id"]])


def finish(ws, run_id: int, result: str, message: str) -> None:
    run = stored_run(ws, run_id)
    end = int(ws.now.timestamp() * 1000)
    run.update(end_time=end, state={"life_cycle_state": "TERMINATED", "result_state": result,
                                    "state_message": message, "user_cancelled_or_timedout": False},
               status={"state": "TERMINATED", "termination_details": {"code": "RUN_EXECUTION_ERROR", "type":
                                                                     "CLIENT_ERROR", "message": message}})
    save_run(ws, run, active=False)


def start(ws, run_id: int, minutes_ago: int) -> None:
    """A finished run of the home workspace made to run again, as a new run would: started `minutes_ago`."""
    run = stored_run(ws, run_id)
    run.update(start_time=int((ws.now - timedelta(minutes=minutes_ago)).timestamp() * 1000), end_time=0,
               state={"life_cycle_state": "RUNNING", "state_message": "In run", "user_cancelled_or_timedout": False},
               status={"state": "RUNNING"})
    save_run(ws, run, active=True)


def a_finished_run_of_a_quick_job(ws, client, factor: float, min_runs: int) -> tuple[int, str]:
    """A finished run (not active) whose job usually takes well under ten minutes (p95 × the factor), so that the run
    started again ten minutes ago counts as longer than usual; and that job's id."""
    ws_id = home(ws)
    for run_id, job_id in truth(ws, "SELECT run_id, job_id FROM workspace_state.runs WHERE NOT active "
                                    "AND run_type = 'JOB_RUN' ORDER BY start_time DESC LIMIT 80"):
        trend = api(client, "query($id: ID!) { job(id: $id) { durationTrend { baselineP50Seconds baselineP95Seconds "
                            "baselineRuns } } }", {"id": f"{ws_id}:{job_id}"})["job"]
        usual = trend and trend["durationTrend"]
        if usual and usual["baselineP50Seconds"] is not None and usual["baselineP95Seconds"] * factor < 540 and \
                usual["baselineRuns"] >= min_runs:
            return run_id, f"{ws_id}:{job_id}"
    raise AssertionError("no finished run of a job that usually takes under nine minutes")


ACTIVE = ("{ activeRuns(first: 25) { checkedAt nodes { id jobId runName startTime usualP50Seconds usualP95Seconds "
          "longerThanUsual longerThanUsualAfterSeconds } } }")


def longer_than_usual(run: dict, at: datetime) -> bool:
    """The flag as the panel judges it while the age ticks: the API's, or the age past the API's threshold."""
    age = (at - datetime.fromisoformat(run["startTime"])).total_seconds()
    after = run["longerThanUsualAfterSeconds"]
    return run["longerThanUsual"] or (after is not None and age > after)


def test_the_running_panel_follows_the_active_runs_without_a_reload(chromium, private_workspace):
    ws = private_workspace
    # The subscription's poller reads the Jobs API every second here (10 s by default).
    settings = monitor_settings(ws, demo_default_token="local-admin", live_cache_seconds=0,
                                subscription_poll_seconds=1)
    with RunningMonitor(settings) as mon, mon.client() as client:
        tab = Tab(chromium, mon.base_url)
        try:
            page = tab.open("/overview")
            page.wait_for_selector("#active[data-state=done]")
            page.evaluate("window.__noReload = true")
            before = api(client, ACTIVE)["activeRuns"]["nodes"]
            rows = page.locator("#active-runs tbody tr")
            assert rows.evaluate_all("els => els.map(e => e.dataset.runId)") == [r["id"] for r in before]
            assert page.inner_text("#tile-active .tile-value") == str(len(before))

            # One run ends (failed), another starts: the Jobs API's state changes under the open page.
            ending = next(r for r in before if r["longerThanUsual"])
            new_run, new_job = a_finished_run_of_a_quick_job(ws, client, settings.longer_than_usual_factor,
                                                              settings.duration_min_runs)
            finish(ws, int(ending["id"].split(":")[1]), "FAILED", "Workload failed: disk full")
            start(ws, new_run, minutes_ago=10)
            new_id = f"{home(ws)}:{new_run}"

            page.wait_for_selector(f'#active-runs tr[data-run-id="{new_id}"]', timeout=LIVE_TIMEOUT_MS)
            page.wait_for_selector(f'#active-finished tr[data-run-id="{ending["id"]}"][data-outcome="FAILED"]',
                                   timeout=LIVE_TIMEOUT_MS)
            assert page.evaluate("window.__noReload") is True, "the panel changed without reloading the page"
            after = api(client, ACTIVE)["activeRuns"]
            assert rows.evaluate_all("els => els.map(e => e.dataset.runId)") == [r["id"] for r in after["nodes"]]
            assert ending["id"] not in [r["id"] for r in after["nodes"]]
            assert page.inner_text("#tile-active .tile-value") == str(len(after["nodes"]))
            finished = page.locator(f'#active-finished tr[data-run-id="{ending["id"]}"]')
            assert "FAILED" in finished.inner_text() and "Workload failed: disk full" in finished.inner_text()

            # The new run's age counts from the server's clock and ticks on; its job's usual p50 and p95 beside it.
            row = page.locator(f'#active-runs tr[data-run-id="{new_id}"]')
            mine = next(r for r in after["nodes"] if r["id"] == new_id)
            age = (datetime.fromisoformat(after["checkedAt"]) - (ws.now - timedelta(minutes=10))).total_seconds()
            assert row.locator(".elapsed").inner_text().startswith(duration(age)[:4])
            text = row.inner_text()
            assert f"usually {duration(mine['usualP50Seconds'])} (p50)" in text
            if mine["usualP95Seconds"] is not None:
                assert f"under {duration(mine['usualP95Seconds'])} (p95)" in text
            checked = datetime.fromisoformat(after["checkedAt"])
            flags = page.locator("#active-runs tbody [data-longer]").evaluate_all("els => els.map(e => e.dataset.longer)")
            assert flags == [str(longer_than_usual(r, checked)).lower() for r in after["nodes"]]
            assert flags[[r["id"] for r in after["nodes"]].index(new_id)] == "true", "10 minutes is past its p95"
            first = row.locator(".elapsed").inner_text()
            # A function, not an expression: the page's CSP forbids eval, which string predicates need.
            page.wait_for_function("([id, first]) => document.querySelector(`#active-runs tr[data-run-id=\"${id}\"] "
                                   ".elapsed`).textContent !== first", arg=[new_id, first])
            assert_accessible_markup(page)
            screenshot(page.locator("#active"), "running-live")

            # The job page lists its own running run; when it ends it joins the job's run list.
            page.goto(mon.base_url + f"/jobs/{new_job}")
            page.wait_for_selector("#running[data-state=done]")
            page.evaluate("window.__noReload = true")
            assert page.locator("#running-runs tbody tr").evaluate_all("els => els.map(e => e.dataset.runId)") == \
                [r["id"] for r in after["nodes"] if r["jobId"] == new_job]
            finish(ws, new_run, "SUCCESS", "")
            page.wait_for_selector(f'#runs tbody tr.just-finished[data-run-id="{new_id}"][data-outcome="SUCCESS"]',
                                   timeout=LIVE_TIMEOUT_MS)
            assert page.locator(f'#running-runs tr[data-run-id="{new_id}"]').count() == 0
            assert page.locator("#runs tbody tr").first.get_attribute("data-run-id") == new_id
            assert page.evaluate("window.__noReload") is True
        finally:
            tab.close()
    assert not tab.page_errors, tab.page_errors
    assert not tab.console_errors, tab.console_errors


RUN = """query($id: ID!) { run(id: $id) { pageUrl job { pageUrl } live { runPageUrl } tasks { id taskKey startTime
         resultState errorMessage dependsOn } attempts { number tasks { id } } } }"""


def dependency_lines(run: dict) -> int:
    """Lines the timeline draws: one per dependency of a task run whose upstream task ran (started no later, in the
    same attempt or an earlier one)."""
    attempt = {t["id"]: a["number"] for a in run["attempts"] for t in a["tasks"]}
    return sum(1 for t in run["tasks"] for key in t["dependsOn"]
               if any(u["taskKey"] == key and u is not t and u["startTime"] <= t["startTime"]
                      and attempt[u["id"]] <= attempt[t["id"]] for u in run["tasks"]))


def test_the_timeline_shows_every_task_run_of_a_repaired_run_in_its_attempt(tab, admin, workspace):
    cases = truth(workspace, "SELECT workspace_id, run_id FROM workspace_state.cases WHERE case_name = 'repaired_run' "
                             "ORDER BY workspace_id <> (SELECT value FROM workspace_state.meta "
                             "WHERE key = 'home_workspace_id'), run_id")
    assert len(cases) >= 2
    lines = 0
    for n, (ws, run_id) in enumerate(cases):
        run = api(admin, RUN, {"id": f"{ws}:{run_id}"})["run"]
        assert len(run["attempts"]) >= 2
        page = tab.open(f"/runs/{ws}:{run_id}")
        page.wait_for_selector(".page.run[data-state=done]")
        bars = page.locator("#timeline svg g.gantt-task")
        assert bars.count() == len(run["tasks"])
        drawn = dict(zip(bars.evaluate_all("els => els.map(e => e.dataset.taskId)"),
                         bars.evaluate_all("els => els.map(e => Number(e.dataset.attempt))")))
        assert drawn == {t["id"]: a["number"] for a in run["attempts"] for t in a["tasks"]}
        assert page.locator("#timeline svg g.gantt-attempt").count() == len(run["attempts"])
        assert page.locator("#timeline svg path.gantt-dep").count() == dependency_lines(run)
        # Every failed task run is listed under the timeline with its error, or why there is no error text.
        failed = [t for t in run["tasks"]
                  if t["resultState"] in ("FAILED", "ERROR", "TIMED_OUT", "UPSTREAM_FAILED", "INTERNAL_ERROR")]
        assert failed, "a repaired run repaired a failure"
        assert sorted(page.locator("#task-errors li").evaluate_all("els => els.map(e => e.dataset.taskId)")) == \
            sorted(t["id"] for t in failed)
        for task in failed:
            item = page.inner_text(f'#task-errors li[data-task-id="{task["id"]}"]')
            assert (task["errorMessage"] or "no error text") in item
        # The job in the app and in Databricks, the run in Databricks (the Jobs API's link where it has the run).
        links = page.locator("#run-links a.external").evaluate_all("els => els.map(e => e.href)")
        assert links == [run["job"]["pageUrl"], (run["live"] or {}).get("runPageUrl") or run["pageUrl"]]
        assert_accessible_markup(page)
        lines += dependency_lines(run)
        if n == 0:
            screenshot(page, "run-timeline", full_page=True)
    assert lines, "some repaired run has tasks that wait for others"


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body.parentElement).backgroundColor")


def test_the_dark_theme_follows_the_system_setting(chromium, demo):
    for scheme, expected in (("dark", "rgb(16, 20, 27)"), ("light", "rgb(245, 246, 248)")):
        tab = Tab(chromium, demo.base_url, color_scheme=scheme)
        try:
            page = tab.open("/overview")
            page.wait_for_selector("#active[data-state=done]")
            page.wait_for_selector("#spend[data-state=done]")
            assert background(page) == expected
            cards = page.locator("#spend").evaluate("e => getComputedStyle(e).backgroundColor")
            assert (cards == "rgb(23, 28, 37)") == (scheme == "dark")
            if scheme == "dark":
                screenshot(page, "overview-dark", full_page=True)
                page = tab.open(f"/runs/{':'.join(truth_case(demo))}")
                page.wait_for_selector(".page.run[data-state=done]")
                screenshot(page, "run-timeline-dark", full_page=True)
        finally:
            tab.close()
        assert not tab.page_errors, tab.page_errors


def truth_case(demo) -> tuple[str, str]:
    with demo.client() as client:
        failed = api(client, "{ runs(first: 1, window: {lastDays: 60}, filter: {resultStates: [FAILED]}) "
                             "{ nodes { workspaceId runId } } }")["runs"]["nodes"][0]
    return failed["workspaceId"], failed["runId"]


def test_a_table_is_driven_from_the_keyboard(tab, admin):
    page = tab.open("/jobs")
    page.wait_for_selector("#job-results[data-state=done]")
    page.evaluate("window.__noReload = true")
    # Tab reaches the table's rows as one stop: the first row.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#job-results tbody tr')"):
            break
    else:
        raise AssertionError("Tab never reached the job list's rows")
    rows = page.locator("#job-results tbody tr")
    assert page.evaluate("document.activeElement === document.querySelector('#job-results tbody tr')")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    focused = page.evaluate("[...document.querySelectorAll('#job-results tbody tr')].indexOf(document.activeElement)")
    assert focused == 1
    # One stop per table: the focused row holds the table's place in the Tab order, the others are out of it.
    assert rows.evaluate_all("els => els.map(e => e.tabIndex)") == [0 if i == 1 else -1 for i in range(rows.count())]
    href = rows.nth(1).locator("a:not(.external)").first.get_attribute("href")
    page.keyboard.press("Enter")
    tab.settled()
    page.wait_for_selector(".page.job[data-state=done]")
    assert tab.path() == href
    assert page.evaluate("window.__noReload") is True, "Enter opens the row in the app, without a reload"
    page.keyboard.press("End")  # on no row: nothing happens, nothing fails


def test_the_footer_names_the_version(tab, admin):
    page = tab.open("/")
    page.wait_for_selector("#app-version[data-version]")
    assert page.inner_text("footer #app-version") == f"gql-monitor {admin.post('/api/graphql', json={'query': '{ appVersion }'}).json()['data']['appVersion']}"
    assert page.get_attribute("#app-version", "data-version") == __version__
