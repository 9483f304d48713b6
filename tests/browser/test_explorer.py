"""The runs explorer, the job list's filters and sorts, and the one time window every page shares (issue 12 items 3, 5
and 6), in headless Chromium against the monitor and the stand-in. What a page shows is compared with the API's answer
for the same window and filters; CSV exports are compared row by row with every page of the API's list. Rewrites
docs/screenshots/runs*.png, jobs-filtered.png and window-*.png."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from browser_support import api, money, screenshot, ui_window_end, window
# The page and API fixtures are test_ui's own.
from test_ui import FRESHNESS, Tab, admin, assert_accessible_markup, tab  # noqa: F401

pytestmark = pytest.mark.browser

RUNS = """query($first: Int!, $after: String, $w: TimeWindowInput!, $f: RunFilter, $o: RunOrder!) {
  runs(first: $first, after: $after, window: $w, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id jobId workspaceId startTime durationSeconds resultState terminationCode triggerType runType
            repairCount job { name } cost { listCost { amount } } } } }"""
JOBS = """query($first: Int!, $after: String, $w: TimeWindowInput!, $f: JobFilter, $o: JobOrder!) {
  jobs(first: $first, after: $after, window: $w, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name creator runAs tags { key value } workspace { id } runStats(window: $w) { duration { p95 } }
            cost(window: $w) { listCost { amount } } } } }"""


@pytest.fixture(scope="module")
def end(admin) -> datetime:
    return ui_window_end(api(admin, FRESHNESS)["dataFreshness"])


def every_page(client, query: str, field: str, variables: dict) -> list[dict]:
    nodes, after = [], None
    while True:
        page = api(client, query, {**variables, "first": 100, "after": after})[field]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(nodes) == page["totalCount"]
            return nodes
        after = page["pageInfo"]["endCursor"]


def first_page(client, query: str, field: str, variables: dict, first: int = 25) -> dict:
    return api(client, query, {**variables, "first": first, "after": None})[field]


def shown_runs(page) -> list[str]:
    page.wait_for_selector("#run-results[data-state=done]")
    return page.locator("#run-results tbody tr").evaluate_all("rows => rows.map(r => r.dataset.run)")


def shown_jobs(page) -> list[str]:
    page.wait_for_selector("#job-results[data-state=done]")
    return page.locator("#job-results tbody tr").evaluate_all("rows => rows.map(r => r.dataset.job)")


def query_of(tab) -> dict[str, list[str]]:
    return parse_qs(urlparse(tab.path()).query)


def download_csv(page, button: str, tmp_path) -> list[dict]:
    with page.expect_download() as download:
        page.locator(button).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    return list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))


def test_the_explorers_filters_change_the_rows_and_survive_a_reload(tab, admin, end):
    page = tab.open("/runs")
    week = window(end, days=7)
    assert shown_runs(page) == [r["id"] for r in first_page(admin, RUNS, "runs", {"w": week, "o": "START_TIME"})["nodes"]]
    every = first_page(admin, RUNS, "runs", {"w": week, "o": "START_TIME"})["totalCount"]
    assert f"of {every:,}" in page.inner_text("#run-results caption")
    assert page.get_attribute("#window-bar", "data-preset") == "7d"

    # Result states apply as they are ticked.
    page.locator("#run-state-failed").check()
    tab.settled()
    page.locator("#run-state-error").check()
    tab.settled()
    assert query_of(tab)["state"] == ["FAILED,ERROR"]
    f = {"resultStates": ["FAILED", "ERROR"]}
    expected = first_page(admin, RUNS, "runs", {"w": week, "f": f, "o": "START_TIME"})
    assert 0 < expected["totalCount"] < every
    assert shown_runs(page) == [r["id"] for r in expected["nodes"]]

    # A trigger and a minimum duration (minutes) narrow it further; so does a termination code.
    page.select_option("#run-trigger", "CRON")
    tab.settled()
    page.fill("#run-min-duration", "5")
    page.locator("form.run-filters").get_by_role("button", name="Apply").click()
    tab.settled()
    f = {**f, "triggerTypes": ["CRON"], "minDurationSeconds": 300}
    expected = first_page(admin, RUNS, "runs", {"w": week, "f": f, "o": "START_TIME"})
    assert expected["nodes"], "the stand-in has failed cron runs of five minutes and more this week"
    assert shown_runs(page) == [r["id"] for r in expected["nodes"]]
    assert query_of(tab)["trigger"] == ["CRON"] and query_of(tab)["minDuration"] == ["5"]

    # Sorting by a column keeps the filters.
    page.locator("#run-results thead").get_by_role("link", name="Duration").click()
    tab.settled()
    expected = first_page(admin, RUNS, "runs", {"w": week, "f": f, "o": "DURATION"})
    assert shown_runs(page) == [r["id"] for r in expected["nodes"]]
    assert query_of(tab)["sort"] == ["DURATION"]

    page.reload()
    assert shown_runs(page) == [r["id"] for r in expected["nodes"]]
    assert page.locator("#run-state-failed").is_checked() and page.locator("#run-state-error").is_checked()
    assert not page.locator("#run-state-succeeded").is_checked()
    assert page.locator("#run-trigger").input_value() == "CRON"
    assert page.locator("#run-min-duration").input_value() == "5"
    assert page.locator("#run-results th[aria-sort=descending]").text_content().startswith("Duration")

    # A termination code, typed.
    code = expected["nodes"][0]["terminationCode"]
    page.fill("#run-code", code.lower())
    page.press("#run-code", "Enter")
    tab.settled()
    f = {**f, "terminationCodes": [code]}
    expected = first_page(admin, RUNS, "runs", {"w": week, "f": f, "o": "DURATION"})
    assert expected["nodes"] and shown_runs(page) == [r["id"] for r in expected["nodes"]]
    assert all(r["terminationCode"] == code for r in expected["nodes"])
    assert_accessible_markup(page)
    screenshot(page, "runs-filtered", full_page=True)

    # A job by a part of its name: the runs of the jobs that match.
    page.goto(tab.base_url + "/runs?window=30d")
    name = first_page(admin, RUNS, "runs", {"w": window(end, days=30), "o": "START_TIME"})["nodes"][0]["job"]["name"]
    part = name[: max(6, len(name) // 2)]
    jobs = api(admin, "query($q: String!) { jobs(first: 50, filter: {nameContains: $q}) { nodes { id } } }",
               {"q": part})["jobs"]["nodes"]
    page.fill("#run-job", part)
    page.press("#run-job", "Enter")
    tab.settled()
    expected = first_page(admin, RUNS, "runs", {"w": window(end, days=30), "f": {"jobIds": [j["id"] for j in jobs]},
                                                "o": "START_TIME"})
    assert shown_runs(page) == [r["id"] for r in expected["nodes"]]
    assert page.locator("#run-job-note").count() == 1
    page.reload()
    assert shown_runs(page) == [r["id"] for r in expected["nodes"]]
    assert page.locator("#run-job").input_value() == part

    page.fill("#run-job", "no job is called this")
    page.press("#run-job", "Enter")
    tab.settled()
    page.wait_for_selector("#run-results[data-state=done]")
    assert "No job name contains" in page.inner_text("#run-results")

    # A hostile URL is answered with the API's clear error, not a crash.
    page.goto(tab.base_url + "/runs?code=" + "X" * 300)
    page.wait_for_selector("#run-results[data-state=error]")
    assert "BAD_USER_INPUT" in page.inner_text("#run-results")


def test_the_default_explorer(tab, admin, end):
    page = tab.open("/runs?window=24h")
    assert shown_runs(page) == [r["id"] for r in first_page(admin, RUNS, "runs", {"w": window(end, hours=24),
                                                                                  "o": "START_TIME"})["nodes"]]
    assert_accessible_markup(page)
    screenshot(page, "runs")


def test_csv_export_of_a_multi_page_filtered_set_equals_the_apis_rows(tab, admin, end, tmp_path):
    page = tab.open("/runs?window=30d&state=FAILED,ERROR,TIMED_OUT&sort=COST")
    f = {"resultStates": ["FAILED", "ERROR", "TIMED_OUT"]}
    month = window(end, days=30)
    truth = every_page(admin, RUNS, "runs", {"w": month, "f": f, "o": "COST"})
    assert len(truth) > 100, "the export must cross the API's page size"
    assert len(shown_runs(page)) == 25

    rows = download_csv(page, "#export-runs", tmp_path)
    assert page.get_attribute("[data-export]", "data-export") == "done"
    assert [r["run_id"] for r in rows] == [run["id"] for run in truth]
    for row, run in zip(rows, truth):
        assert row["list_cost"] == run["cost"]["listCost"]["amount"]
        assert row["duration_seconds"] == str(run["durationSeconds"])
        assert row["result_state"] == run["resultState"]
        assert row["termination_code"] == (run["terminationCode"] or "")
        assert row["job_id"] == run["jobId"] and row["job_name"] == (run["job"]["name"] or "")
        assert row["start_time"] == run["startTime"]
    assert f"Exported {len(truth):,} runs" in page.inner_text("[data-export]")


def test_the_shared_window_is_kept_across_pages_and_in_the_url(tab, admin, end):
    page = tab.open("/costs")
    page.wait_for_selector(".page.costs[data-state=done]")
    assert page.get_attribute("#window-bar", "data-preset") == "30d"
    page.locator("#window-bar").get_by_role("link", name="7 days").click()
    tab.settled()
    page.wait_for_selector(".page.costs[data-state=done]")
    assert query_of(tab)["window"] == ["7d"]
    week = window(end, days=7)
    total = api(admin, "query($w: TimeWindowInput!) { costs(window: $w, groupBy: JOB) { total { amount } } }",
                {"w": week})["costs"]["total"]["amount"]
    assert page.inner_text("#costs-total") == money(total)

    # Every page keeps the window: the header's links say so, and navigating keeps it.
    hrefs = page.locator("header nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert all("window=7d" in href for href in hrefs), hrefs
    page.locator("header nav").get_by_role("link", name="Jobs").click()
    tab.settled()
    assert tab.path() == "/jobs?window=7d"
    assert page.get_attribute("#window-bar", "data-preset") == "7d"
    expected = first_page(admin, JOBS, "jobs", {"w": week, "o": "NAME"})
    assert shown_jobs(page) == [j["id"] for j in expected["nodes"]]
    first = expected["nodes"][0]
    costs = page.locator("#job-results tbody tr td:last-child").all_inner_texts()
    amounts = [(cell, money(job["cost"]["listCost"]["amount"])) for cell, job in zip(costs, expected["nodes"])
               if cell.startswith("$")]
    assert amounts and all(cell.startswith(amount) for cell, amount in amounts), amounts
    assert "p95 duration (7 days)" in page.text_content("#job-results thead")

    page.locator("#job-results tbody tr").first.locator("a").first.click()
    tab.settled()
    page.wait_for_selector(".page.job[data-state=done]")
    assert urlparse(tab.path()).path == f"/jobs/{first['id']}" and query_of(tab)["window"] == ["7d"]
    stats = api(admin, "query($id: ID!, $w: TimeWindowInput!) { job(id: $id) { runStats(window: $w) { totalRuns "
                       "window { start } } } }", {"id": first["id"], "w": week})["job"]["runStats"]
    assert stats["window"]["start"][:10] in page.inner_text("#stats h2")
    assert page.locator("#stats .tile-value").first.inner_text() == f"{stats['totalRuns']:,}"

    page.locator("header nav").get_by_role("link", name="Attention").click()
    tab.settled()
    assert tab.path() == "/?window=7d"
    alerts = api(admin, "query($w: TimeWindowInput!) { alerts(first: 1, window: $w) { totalCount } critical: "
                        "alerts(first: 1, window: $w, severity: [CRITICAL]) { totalCount } }", {"w": week})
    assert page.inner_text("#alerts .meta").startswith(f"{alerts['alerts']['totalCount']:,} alert")
    assert page.inner_text("#tile-critical .tile-value") == f"{alerts['critical']['totalCount']:,}"

    # A custom range of whole UTC days, kept through a reload and onto the next page.
    page.locator("header nav").get_by_role("link", name="Runs").click()
    tab.settled()
    assert query_of(tab)["window"] == ["7d"]
    first_day, last_day = (end - timedelta(days=12)).date(), (end - timedelta(days=10)).date()
    page.locator("#window-bar summary").click()
    page.fill("#window-start", first_day.isoformat())
    page.fill("#window-end", last_day.isoformat())
    page.locator("#window-bar").get_by_role("button", name="Apply").click()
    tab.settled()
    assert query_of(tab) == {"start": [first_day.isoformat()], "end": [last_day.isoformat()]}
    custom = {"start": f"{first_day.isoformat()}T00:00:00Z", "end": f"{(last_day + timedelta(days=1)).isoformat()}T00:00:00Z"}
    expected = first_page(admin, RUNS, "runs", {"w": custom, "o": "START_TIME"})
    assert shown_runs(page) == [r["id"] for r in expected["nodes"]]
    assert f"{first_day.isoformat()} to {last_day.isoformat()}" in page.inner_text("#run-results caption")
    page.reload()
    assert shown_runs(page) == [r["id"] for r in expected["nodes"]]
    assert page.get_attribute("#window-bar", "data-preset") == "custom"
    page.locator("header nav").get_by_role("link", name="Overview").click()
    tab.settled()
    page.wait_for_selector("#spend[data-state=done]")
    assert query_of(tab)["start"] == [first_day.isoformat()]
    spend = api(admin, "query($w: TimeWindowInput!) { costs(window: $w, groupBy: JOB) { total { amount } } }",
                {"w": custom})["costs"]["total"]["amount"]
    assert page.inner_text("#spend-total") == money(spend)
    assert_accessible_markup(page)
    screenshot(page, "window-custom")

    # An end before the start is refused in the page, before any request.
    page.locator("#window-bar summary").click() if not page.locator("#window-start").is_visible() else None
    page.fill("#window-start", last_day.isoformat())
    page.fill("#window-end", first_day.isoformat())
    page.locator("#window-bar").get_by_role("button", name="Apply").click()
    assert "ends before it starts" in page.inner_text("#window-bar [role=alert]")
    assert query_of(tab)["start"] == [first_day.isoformat()]


def test_a_window_past_the_data_says_where_the_data_starts(tab, admin, end):
    fresh = api(admin, "{ dataFreshness { earliestRunPeriodStartTime earliestUsageStartTime } }")["dataFreshness"]
    earliest = datetime.fromisoformat(fresh["earliestRunPeriodStartTime"])
    assert end - timedelta(days=90) < earliest < end - timedelta(days=7)
    page = tab.open("/runs?window=7d")
    shown_runs(page)
    assert page.locator("#data-start").count() == 0
    page.locator("#window-bar").get_by_role("link", name="90 days").click()
    tab.settled()
    shown_runs(page)
    note = page.inner_text("#data-start")
    assert f"runs from {earliest:%Y-%m-%d %H:%M} UTC" in note, note
    assert f"{(end - timedelta(days=90)):%Y-%m-%d %H:%M} UTC" in note
    every = first_page(admin, RUNS, "runs", {"w": window(end, days=90), "o": "START_TIME"})["totalCount"]
    assert f"of {every:,}" in page.inner_text("#run-results caption")
    screenshot(page, "window-past-the-data")


def test_the_workspace_is_shared_too(tab, admin, end):
    workspaces = api(admin, "{ workspaces { id name } }")["workspaces"]
    chosen = workspaces[-1]
    page = tab.open("/jobs")
    shown_jobs(page)
    page.wait_for_function("document.querySelectorAll('#window-workspace option').length > 1")
    page.select_option("#window-workspace", chosen["id"])
    tab.settled()
    assert query_of(tab) == {"window": ["30d"], "workspace": [chosen["id"]]}
    expected = every_page(admin, JOBS, "jobs", {"w": window(end, days=30), "o": "NAME", "f": {"workspaceId": chosen["id"]}})
    assert shown_jobs(page) == [j["id"] for j in expected[:25]]
    assert f"of {len(expected):,}" in page.inner_text("#job-results caption")
    page.locator("header nav").get_by_role("link", name="Runs").click()
    tab.settled()
    runs = first_page(admin, RUNS, "runs", {"w": window(end, days=30), "o": "START_TIME", "f": {"workspaceId": chosen["id"]}})
    assert shown_runs(page) == [r["id"] for r in runs["nodes"]]
    assert {r["workspaceId"] for r in runs["nodes"]} == {chosen["id"]}
    assert page.locator("#window-workspace").input_value() == chosen["id"]


def test_the_job_list_filters_sorts_and_exports(tab, admin, end, tmp_path):
    month = window(end, days=30)
    page = tab.open("/jobs")
    shown_jobs(page)
    for header, order in [("p95 duration", "DURATION"), ("Cost", "COST"), ("Last run", "LAST_RUN"),
                          ("Success rate", "SUCCESS_RATE"), ("Name", "NAME")]:
        page.locator("#job-results thead").get_by_role("link", name=re.compile(f"^{re.escape(header)}")).click()
        tab.settled()
        assert shown_jobs(page) == [j["id"] for j in first_page(admin, JOBS, "jobs", {"w": month, "o": order})["nodes"]], order
        assert query_of(tab).get("sort", ["NAME"]) == [order]
    every = every_page(admin, JOBS, "jobs", {"w": month, "o": "NAME"})

    # Owner, run-as and tag filters, alone and together, each against the API's answer.
    owner = max({j["creator"] for j in every if j["creator"]}, key=lambda c: sum(j["creator"] == c for j in every))
    page.fill("#job-owner", owner)
    page.press("#job-owner", "Enter")
    tab.settled()
    expected = [j["id"] for j in every if j["creator"] == owner]
    assert 1 < len(expected) < len(every)
    assert shown_jobs(page) == expected
    page.fill("#job-owner", "")
    run_as = max({j["runAs"] for j in every if j["runAs"]}, key=lambda r: sum(j["runAs"] == r for j in every))
    page.fill("#job-run-as", run_as)
    page.press("#job-run-as", "Enter")
    tab.settled()
    assert shown_jobs(page) == [j["id"] for j in every if j["runAs"] == run_as]
    assert query_of(tab) == {"runAs": [run_as]}
    page.fill("#job-run-as", "")
    page.fill("#job-tag", "team=data-eng, env")
    page.press("#job-tag", "Enter")
    tab.settled()
    tagged = [j["id"] for j in every if {"key": "team", "value": "data-eng"} in j["tags"] and any(t["key"] == "env" for t in j["tags"])]
    assert tagged and shown_jobs(page) == tagged
    page.reload()
    assert shown_jobs(page) == tagged
    assert page.locator("#job-tag").input_value() == "team=data-eng, env"
    assert "with tag team=data-eng, env" in page.inner_text("#job-results caption")
    assert_accessible_markup(page)
    screenshot(page, "jobs-filtered", full_page=True)

    # The export holds every job of the filtered, sorted list: here all of them, by duration, across the API's pages.
    page.goto(tab.base_url + "/jobs?sort=DURATION&window=90d")
    assert len(shown_jobs(page)) == 25
    quarter = window(end, days=90)
    truth = every_page(admin, JOBS, "jobs", {"w": quarter, "o": "DURATION"})
    assert len(truth) > 100
    rows = download_csv(page, "#export-jobs", tmp_path)
    assert [r["job_id"] for r in rows] == [j["id"] for j in truth]
    for row, job in zip(rows, truth):
        assert row["list_cost"] == job["cost"]["listCost"]["amount"]
        p95 = job["runStats"]["duration"]["p95"]
        assert (row["p95_duration_seconds"] == "") == (p95 is None)
        if p95 is not None:
            assert abs(float(row["p95_duration_seconds"]) - p95) < 1e-9
        assert row["window_start"] == quarter["start"].replace("+00:00", ".000Z")
    # Filtered: only the tagged jobs, whatever page they were on.
    page.goto(tab.base_url + "/jobs?tag=env%3Dprod&sort=COST")
    shown_jobs(page)
    prod = every_page(admin, JOBS, "jobs", {"w": month, "o": "COST", "f": {"tags": [{"key": "env", "value": "prod"}]}})
    rows = download_csv(page, "#export-jobs", tmp_path)
    assert [r["job_id"] for r in rows] == [j["id"] for j in prod] and len(prod) > 25
