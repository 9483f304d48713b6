"""The web UI in a real headless Chromium against the monitor and the stand-in: real numbers from the API, client
routing and deep links, search, the cost table with its unattributed row and CSV export, and error states.
Every run rewrites docs/screenshots/*.png, which docs/ui.md shows."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from browser_support import VIEWPORT, api, money, screenshot, ui_window_end, window
from api.helpers import case, truth
from conftest import RunningMonitor, monitor_settings

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
FRESHNESS = "{ dataFreshness { latestRunPeriodEndTime latestUsageEndTime checkedAt } }"


def assert_accessible_markup(page) -> None:
    """Tables say what they hold, form controls have labels, charts have text alternatives."""
    assert page.locator("main h1").count() == 1
    for table in page.locator("main table").all():
        assert table.locator("caption").text_content().strip()
        assert table.locator("thead th[scope=col]").count() > 0
    unlabelled = page.locator("main input, main select").evaluate_all(
        "els => els.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id)")
    assert unlabelled == []
    assert page.locator("main svg:not([aria-label])").count() == 0


class Tab:
    """A fresh browser context (own cookies, cache, storage) with its page and everything the page complained of."""

    def __init__(self, browser, base_url: str, **context_options) -> None:
        self.base_url = base_url
        self.context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, **context_options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    def open(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def settled(self) -> None:
        """The router marks <main> busy from a navigation until its new page is in place."""
        self.page.wait_for_selector("main:not([aria-busy])", state="attached")

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(chromium, demo):
    t = Tab(chromium, demo.base_url)
    yield t
    t.close()
    assert not t.page_errors, t.page_errors
    # CSP violations and failed requests are reported as console errors; a healthy page has none.
    assert not t.console_errors, t.console_errors


@pytest.fixture(scope="module")
def admin(demo):
    with demo.client() as client:
        yield client


def test_overview_shows_the_apis_numbers(tab, admin):
    page = tab.open("/overview")
    page.wait_for_selector("#spend[data-state=done]")
    page.wait_for_selector("#failing[data-state=done]")
    page.wait_for_selector("#active[data-state=done]")
    page.wait_for_selector("#freshness[data-state=done]")

    end = ui_window_end(api(admin, FRESHNESS)["dataFreshness"])
    costs = api(admin, "query($w: TimeWindowInput!) { costs(window: $w, groupBy: JOB) { total { amount } "
                       "attributedToJobs { amount } unattributedToJobs { amount } } }", {"w": window(end, days=30)})["costs"]
    assert page.inner_text("#spend-total") == money(costs["total"]["amount"])
    assert page.inner_text("#spend-attributed") == money(costs["attributedToJobs"]["amount"])
    assert page.inner_text("#spend-unattributed").startswith(money(costs["unattributedToJobs"]["amount"]))
    assert Decimal(costs["total"]["amount"]) > 0

    failing = api(admin, "query($w: TimeWindowInput!) { runs(first: 1, window: $w, filter: {resultStates: "
                         "[FAILED, ERROR, TIMED_OUT]}) { totalCount } }", {"w": window(end, hours=24)})["runs"]
    assert page.inner_text("#tile-failing .tile-value") == f"{failing['totalCount']:,}"
    assert page.locator("#failing tbody tr").count() == min(25, failing["totalCount"])

    active = api(admin, "{ activeRuns(first: 25) { nodes { id runPageUrl } pageInfo { hasNextPage } } }")["activeRuns"]
    assert active["nodes"], "the stand-in always has runs in progress"
    assert page.locator("#active tbody tr").count() == len(active["nodes"])
    links = page.locator("#active tbody a.external").evaluate_all("els => els.map(e => e.href)")
    assert links == [run["runPageUrl"] for run in active["nodes"]]
    flags = api(admin, "{ activeRuns(first: 25) { nodes { longerThanUsual sla { atRisk } } } }")["activeRuns"]["nodes"]
    assert page.locator("#active tbody [data-sla-at-risk]").evaluate_all("els => els.map(e => e.dataset.slaAtRisk)") == \
        [str(run["sla"]["atRisk"]).lower() for run in flags if run["sla"]]
    assert any(run["sla"] and run["sla"]["atRisk"] for run in flags), "the planted long run is at risk of its SLA"
    assert page.locator("#active tbody [data-longer]").evaluate_all("els => els.map(e => e.dataset.longer)") == \
        [str(run["longerThanUsual"]).lower() for run in flags]

    page.wait_for_selector("#failures[data-state=done]")
    breakdown = api(admin, "query($w: TimeWindowInput!) { failures(window: $w) { failedRuns byTerminationCode(first: 10) "
                           "{ key failedRuns } } }", {"w": window(end, days=7)})["failures"]
    assert breakdown["failedRuns"] > 0
    assert page.locator("#failures tbody tr").evaluate_all("els => els.map(e => e.dataset.code)") == \
        [g["key"] or "" for g in breakdown["byTerminationCode"]]
    assert f"{breakdown['failedRuns']:,} failed runs" in page.inner_text("#failures caption")
    page.wait_for_selector("#data-quality[data-state=done]")
    quality = api(admin, "query($w: TimeWindowInput!) { dataQuality(window: $w) { jobsNotInJobsTableCount "
                         "jobsWithoutUsageCount spend { unattributedToJobs { amount } } } }",
                  {"w": window(end, days=30)})["dataQuality"]
    assert page.inner_text("#dq-missing").startswith(f"{quality['jobsNotInJobsTableCount']:,}")
    assert page.inner_text("#dq-no-usage").startswith(f"{quality['jobsWithoutUsageCount']:,} jobs")
    assert page.inner_text("#dq-unattributed").startswith(money(quality["spend"]["unattributedToJobs"]["amount"]))

    forecast = api(admin, "{ costInsights { forecast { total { projected { amount } } } } }")["costInsights"]["forecast"]
    page.wait_for_function("document.querySelector('#tile-forecast .tile-value').textContent !== '…'")
    assert page.inner_text("#tile-forecast .tile-value") == money(forecast["total"]["projected"]["amount"])

    assert "behind" in page.inner_text("#freshness")
    assert "admin@example.com" in page.inner_text("#session")
    assert_accessible_markup(page)
    screenshot(page, "overview", full_page=True)


ALERTS = ("query($w: TimeWindowInput!, $s: [AlertSeverity!]) { alerts(first: 25, window: $w, severity: $s) "
          "{ totalCount nodes { id kind severity title job { id } evidence { name } } } }")


def test_the_attention_page_lists_the_apis_alerts_most_severe_first(tab, admin):
    page = tab.open("/")
    tab.settled()
    assert page.locator("main h1").inner_text() == "What needs attention"
    end = ui_window_end(api(admin, FRESHNESS)["dataFreshness"])
    week = window(end, days=7)
    alerts = api(admin, ALERTS, {"w": week})["alerts"]
    cards = page.locator("#alerts article.alert")
    assert cards.count() == min(25, alerts["totalCount"])
    assert cards.evaluate_all("els => els.map(e => e.dataset.severity)") == [a["severity"] for a in alerts["nodes"]]
    assert cards.evaluate_all("els => els.map(e => e.querySelector('h2').textContent)") == \
        [a["title"] for a in alerts["nodes"]]
    for severity in ("CRITICAL", "WARNING", "INFO"):
        expected = api(admin, ALERTS, {"w": week, "s": [severity]})["alerts"]["totalCount"]
        assert page.inner_text(f"#tile-{severity.lower()} .tile-value") == f"{expected:,}"
    for card, alert in zip(cards.all(), alerts["nodes"]):
        # Every alert shows its evidence and, when it concerns a job, links to it.
        assert card.locator("table tbody tr").count() == len(alert["evidence"])
        if alert["job"]:
            assert card.locator(f'a[href="/jobs/{alert["job"]["id"]}"]').count() == 1
    assert_accessible_markup(page)
    screenshot(page, "attention", full_page=True)

    # A severity filter is kept in the URL and narrows the list to what the API says.
    page.locator(".filters").get_by_role("link", name="Critical", exact=True).click()
    tab.settled()
    assert tab.path() == "/?severity=CRITICAL"
    critical = api(admin, ALERTS, {"w": week, "s": ["CRITICAL"]})["alerts"]
    assert page.locator("#alerts article.alert").count() == min(25, critical["totalCount"]) or \
        (critical["totalCount"] == 0 and "No alerts match" in page.inner_text("main"))


def test_a_failing_jobs_page_shows_its_priority_and_streak(tab, admin, workspace):
    workspace_id, job_id, _ = case(workspace, "failing_streak", home=True)
    job_id = f"{workspace_id}:{job_id}"
    health = api(admin, "query($id: ID!) { job(id: $id) { health { priority failureStreak reasons { rule } "
                        "latestFailure { id } } } }", {"id": job_id})["job"]["health"]
    assert health["priority"] == "P1", "the planted streak is long enough for P1"
    page = tab.open(f"/jobs/{job_id}")
    page.wait_for_selector("#health[data-state=done]")
    assert page.get_attribute("#job-health", "data-priority") == "P1"
    text = page.inner_text("#job-health")
    assert f"{health['failureStreak']} failed runs in a row" in text
    assert page.locator(f'#job-health a[href="/runs/{health["latestFailure"]["id"]}"]').count() == 1
    assert page.locator("#job-health .reasons li").count() == len(health["reasons"])
    assert_accessible_markup(page)
    screenshot(page, "job-failing", full_page=True)


def test_job_pages_show_regression_sla_and_schedule_panels_for_the_planted_cases(tab, admin, workspace):
    end = ui_window_end(api(admin, FRESHNESS)["dataFreshness"])
    month = window(end, days=30)

    regressed = ":".join(case(workspace, "duration_regression", home=True)[:2])
    trend = api(admin, "query($id: ID!) { job(id: $id) { durationTrend { regressed ratio } } }",
                {"id": regressed})["job"]["durationTrend"]
    assert trend["regressed"]
    page = tab.open(f"/jobs/{regressed}")
    page.wait_for_selector("#regression[data-state=done]")
    assert page.get_attribute("#job-regression", "data-regressed") == "true"
    assert f"{trend['ratio']:.2f}×" in page.inner_text("#job-regression")
    screenshot(page, "job-regression", full_page=True)

    sla_job = ":".join(case(workspace, "sla_job", home=True)[:2])
    sla = api(admin, "query($id: ID!, $w: TimeWindowInput!) { job(id: $id) { sla(window: $w) { targetMinutes "
                     "breachCount } } }", {"id": sla_job, "w": month})["job"]["sla"]
    page = tab.open(f"/jobs/{sla_job}")
    page.wait_for_selector("#sla[data-state=done]")
    assert page.get_attribute("#job-sla", "data-breaches") == str(sla["breachCount"])
    assert f"{sla['targetMinutes']:,} minutes" in page.inner_text("#job-sla")

    late_job = ":".join(case(workspace, "late_start", home=True)[:2])
    adherence = api(admin, "query($id: ID!, $w: TimeWindowInput!) { job(id: $id) { scheduleAdherence(window: $w) "
                           "{ lateStartCount missedFireCount } } }", {"id": late_job, "w": month})["job"]
    page = tab.open(f"/jobs/{late_job}")
    page.wait_for_selector("#schedule[data-state=done]")
    assert adherence["scheduleAdherence"]["lateStartCount"] > 0
    assert page.get_attribute("#job-schedule", "data-late") == str(adherence["scheduleAdherence"]["lateStartCount"])
    assert page.locator("#job-schedule table tbody tr").count() == min(10, adherence["scheduleAdherence"]["lateStartCount"])
    assert_accessible_markup(page)
    screenshot(page, "job-late-starts", full_page=True)

    anomalies = api(admin, "query($w: TimeWindowInput!) { costInsights(window: $w) { anomalies(first: 1) "
                           "{ job { id } } } }", {"w": month})["costInsights"]["anomalies"]
    assert anomalies, "the workspace has a run cost anomaly"
    anomalous = anomalies[0]["job"]["id"]
    expected = api(admin, "query($id: ID!, $w: TimeWindowInput!) { job(id: $id) { costAnomalies(window: $w) "
                          "{ ratio } } }", {"id": anomalous, "w": month})["job"]["costAnomalies"]
    page = tab.open(f"/jobs/{anomalous}")
    page.wait_for_selector("#cost-anomalies[data-state=done]")
    assert page.get_attribute("#job-cost-anomalies", "data-count") == str(len(expected))
    assert page.locator("#job-cost-anomalies tbody tr").count() == min(10, len(expected))
    assert f"{expected[0]['ratio']:.2f}×" in page.inner_text("#job-cost-anomalies tbody tr >> nth=0")


def test_navigate_from_the_job_list_to_a_job_and_a_run(tab, admin):
    page = tab.open("/overview")
    page.wait_for_selector("#spend[data-state=done]")
    page.evaluate("window.__noReload = true")
    page.get_by_role("link", name="Jobs", exact=True).click()
    tab.settled()
    page.wait_for_selector("#job-results[data-state=done]")

    first_page = api(admin, "{ jobs(first: 25) { nodes { id name lastRun { resultState } } } }")["jobs"]["nodes"]
    # A job whose latest run failed makes the run page show an error message.
    job = next((j for j in first_page if (j["lastRun"] or {}).get("resultState") == "FAILED"), first_page[0])
    page.locator("#job-results tbody").get_by_role("link", name=job["name"], exact=True).click()
    tab.settled()
    page.wait_for_selector(".page.job[data-state=done]")
    assert tab.path() == f"/jobs/{job['id']}"
    assert page.inner_text("h1") == job["name"]
    assert page.locator("#trend svg circle").count() > 0
    assert page.evaluate("window.__noReload") is True, "links between pages must not reload the app"
    assert_accessible_markup(page)
    screenshot(page, "job", full_page=True)

    newest = page.locator("#runs tbody tr").first.locator("a")
    newest.click()
    tab.settled()
    page.wait_for_selector(".page.run[data-state=done]")
    run_id = tab.path().removeprefix("/runs/")
    run = api(admin, "query($id: ID!) { run(id: $id) { runId resultState job { name } tasks { errorMessage } "
                     "live { runPageUrl } } }", {"id": run_id})["run"]
    assert page.inner_text("h1") == f"Run {run['runId']}"
    assert page.locator(".crumbs").get_by_role("link", name=run["job"]["name"]).count() == 1
    assert page.locator("#live a.external").get_attribute("href") == run["live"]["runPageUrl"]
    for message in filter(None, (t["errorMessage"] for t in run["tasks"])):
        assert message in page.inner_text("#tasks")
    assert_accessible_markup(page)
    screenshot(page, "run", full_page=True)

    page.go_back()
    page.wait_for_selector(".page.job[data-state=done]")
    tab.settled()
    assert page.inner_text("h1") == job["name"]
    assert page.evaluate("window.__noReload") is True


def test_a_repaired_runs_page_shows_each_attempt_and_the_first_attempts_error(tab, admin, workspace):
    ws, _, run_id = case(workspace, "repaired_run", home=True)
    run = api(admin, """query($id: ID!) { run(id: $id) { wallTimeSeconds attempts { number resultState
                        tasks { taskKey resultState errorMessage } } } }""", {"id": f"{ws}:{run_id}"})["run"]
    assert len(run["attempts"]) >= 2
    page = tab.open(f"/runs/{ws}:{run_id}")
    page.wait_for_selector(".page.run[data-state=done]")
    rows = page.locator("#repairs table").first.locator("tbody tr")
    assert rows.count() == len(run["attempts"])
    labels = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert labels == ["original"] + [f"repair {a['number'] - 1}" for a in run["attempts"][1:]]
    assert page.locator("#run-wall-time").count() == 1
    first_errors = [t["errorMessage"] for t in run["attempts"][0]["tasks"] if t["errorMessage"]]
    assert first_errors, "the original attempt's failed task has an error"
    tasks = page.inner_text("#tasks")
    for message in first_errors:
        assert message in tasks
    assert_accessible_markup(page)
    screenshot(page, "run-repaired", full_page=True)


def test_costs_that_are_unknown_are_words_never_zero(tab, admin, workspace):
    """The planted all-purpose job's spend cannot be attributed, and a run after the last billed hour is not billed
    yet: the pages say so in words, never $0.00 (docs/metrics.md, "Unknown is never zero")."""
    ws, job, _ = case(workspace, "all_purpose_job")
    page = tab.open(f"/jobs/{ws}:{job}")
    page.wait_for_selector(".page.job[data-state=done]")
    words = "not attributable (all-purpose compute)"
    assert page.inner_text("#cost-tile .tile-value") == words
    assert page.inner_text("#job-cost") == words
    assert "unattributed remainder" in page.inner_text("#job-cost-unattributable")
    run_costs = page.locator("#runs tbody tr td:last-child").all_inner_texts()
    assert run_costs and set(run_costs) == {words}
    assert "$0.00" not in page.inner_text("main")
    screenshot(page, "job-all-purpose", full_page=True)

    (billed,) = truth(workspace, "SELECT max(usage_end_time) FROM billing.usage")[0]
    unbilled = truth(workspace, """SELECT r.workspace_id, r.run_id FROM lakeflow.job_run_timeline r
        WHERE NOT EXISTS (SELECT 1 FROM lakeflow.job_task_run_timeline t, compute.clusters c
                          WHERE t.workspace_id = r.workspace_id AND t.job_run_id = r.run_id
                            AND c.workspace_id = t.workspace_id AND list_contains(t.compute_ids, c.cluster_id)
                            AND c.cluster_source IN ('UI', 'API'))
        GROUP BY ALL HAVING count(r.result_state) > 0 AND min(r.period_start_time) >= ? ORDER BY 1, 2 LIMIT 1""",
                     [billed])
    assert unbilled, "runs that started after the last billed hour"
    page = tab.open(f"/runs/{unbilled[0][0]}:{unbilled[0][1]}")
    page.wait_for_selector(".page.run[data-state=done]")
    assert page.inner_text("#run-cost") == "not billed yet"
    assert "$0.00" not in page.inner_text("#cost")


def test_the_costs_page_shows_the_forecast_and_where_spend_goes_wrong(tab, admin, workspace):
    end = ui_window_end(api(admin, FRESHNESS)["dataFreshness"])
    page = tab.open("/costs?by=JOB&days=30")
    page.wait_for_selector("#forecast[data-state=done]")
    page.wait_for_selector("#failure-spend[data-state=done]")
    insights = api(admin, "query($w: TimeWindowInput!) { costInsights(window: $w, tagKey: \"team\") { "
                          "forecast { total { projected { amount } } tagValues(first: 10) { value } } "
                          "failureSpend { account { total { amount } } } anomalies(first: 10) { ratio } "
                          "spendSpikes(first: 10) { day } allPurposeComputeJobs(first: 20) { job { id } } } }",
                   {"w": window(end, days=30)})["costInsights"]
    forecast = page.locator("#cost-forecast")
    assert forecast.get_attribute("data-projected") == insights["forecast"]["total"]["projected"]["amount"]
    assert money(insights["forecast"]["total"]["projected"]["amount"]) in forecast.locator("[data-row=total]").inner_text()
    by_team = forecast.locator("table").filter(has_text="By tag").locator("tbody tr")
    assert by_team.count() == len(insights["forecast"]["tagValues"]) > 0
    assert page.get_attribute("#failure-spend-figures", "data-total") == \
        insights["failureSpend"]["account"]["total"]["amount"]
    assert page.locator("#cost-anomaly-list tbody tr").count() == len(insights["anomalies"])
    assert page.locator("#spend-spikes tbody tr").count() == len(insights["spendSpikes"])
    all_purpose = ":".join(case(workspace, "all_purpose_job", home=True)[:2])
    assert all_purpose in [j["job"]["id"] for j in insights["allPurposeComputeJobs"] if j["job"]]
    assert page.locator(f'#all-purpose-jobs a[href="/jobs/{all_purpose}"]').count() == 1
    page.wait_for_selector("#movers[data-state=done]")
    trends = api(admin, "query($w: TimeWindowInput!) { costInsights(window: $w, tagKey: \"team\") { "
                        "movers(period: WEEK) { up(first: 5) { jobId } down(first: 5) { jobId } } "
                        "untaggedSpend { untagged { amount } jobs(first: 5) { jobId } } "
                        "unattributedSpend { days { day } } } }", {"w": window(end, days=30)})["costInsights"]
    assert page.get_attribute("#movers-figures", "data-up") == str(len(trends["movers"]["up"]))
    assert page.get_attribute("#movers-figures", "data-down") == str(len(trends["movers"]["down"]))
    assert page.get_attribute("#untagged-figures", "data-untagged") == trends["untaggedSpend"]["untagged"]["amount"]
    untagged = ":".join(case(workspace, "untagged_job", home=True)[:2])
    if untagged in [j["jobId"] for j in trends["untaggedSpend"]["jobs"]]:
        assert page.locator(f'#untagged a[href="/jobs/{untagged}"]').count() == 1
    assert page.get_attribute("#unattributed-figures", "data-days") == str(len(trends["unattributedSpend"]["days"]))
    assert_accessible_markup(page)
    screenshot(page, "costs-insights", full_page=True)


def test_deep_links_reload_into_the_right_page(tab, admin):
    job = api(admin, "{ jobs(first: 1) { nodes { id name lastRun { id runId } } } }")["jobs"]["nodes"][0]
    for path, heading in [
        (f"/jobs/{job['id']}", job["name"]),
        (f"/runs/{job['lastRun']['id']}", f"Run {job['lastRun']['runId']}"),
        ("/costs?by=SKU&days=7", "Costs"),
        ("/no/such/page", "Page not found"),
    ]:
        page = tab.open(path)
        page.wait_for_selector("main h1")
        assert page.inner_text("main h1") == heading, path
        page.reload()
        page.wait_for_selector("main h1")
        assert page.inner_text("main h1") == heading, path
    assert page.title().startswith("Not found")
    page = tab.open("/costs?by=SKU&days=7")
    page.wait_for_selector(".page.costs[data-state=done]")
    assert page.locator("#cost-group").input_value() == "SKU"
    assert page.get_attribute("#window-bar", "data-preset") == "7d", "a link from before the shared window keeps its days"


def test_the_job_list_sorts_by_health_and_filters_by_priority(tab, admin):
    page = tab.open("/jobs")
    page.wait_for_selector("#job-results[data-state=done]")
    page.locator("#job-results thead").get_by_role("link", name="Health").click()
    tab.settled()
    assert tab.path() == "/jobs?sort=PRIORITY"
    page.wait_for_selector("#job-results[data-state=done]")
    ranked = api(admin, "{ jobs(first: 25, orderBy: PRIORITY) { nodes { name health { priority } } } }")["jobs"]["nodes"]
    assert page.locator("#job-results tbody tr td:first-child").all_inner_texts() == [j["name"] for j in ranked]
    assert page.locator("#job-results tbody [data-priority]").evaluate_all("els => els.map(e => e.dataset.priority)") \
        == [j["health"]["priority"] for j in ranked]
    assert ranked[0]["health"]["priority"] == "P1", "the planted failing streak ranks first"
    assert page.locator("#job-results th[aria-sort=ascending]").text_content().startswith("Health")

    page.select_option("#job-priority", "P1")
    tab.settled()
    assert tab.path() == "/jobs?sort=PRIORITY&priority=P1"
    page.wait_for_selector("#job-results[data-state=done]")
    p1 = api(admin, "{ jobs(first: 25, filter: {priorities: [P1]}) { totalCount } }")["jobs"]["totalCount"]
    assert page.locator("#job-results tbody tr").count() == p1
    assert set(page.locator("#job-results tbody [data-priority]").evaluate_all(
        "els => els.map(e => e.dataset.priority)")) == {"P1"}
    assert_accessible_markup(page)
    screenshot(page, "jobs-by-priority", full_page=True)


def test_job_search_and_pages(tab, admin):
    page = tab.open("/jobs")
    page.wait_for_selector("#job-results[data-state=done]")
    everything = api(admin, "{ jobs(first: 25) { totalCount pageInfo { endCursor } } }")["jobs"]
    assert f"of {everything['totalCount']:,}" in page.inner_text("#job-results caption")

    second = api(admin, "query($after: String) { jobs(first: 25, after: $after) { nodes { name } } }",
                 {"after": everything["pageInfo"]["endCursor"]})["jobs"]["nodes"]
    page.get_by_role("link", name="Next page »").click()
    tab.settled()
    assert re.match(r"/jobs\?after=", tab.path())
    page.wait_for_selector("#job-results[data-state=done]")
    names = page.locator("#job-results tbody tr td:first-child").all_inner_texts()
    assert names == [j["name"] for j in second]
    assert "26–50" in page.inner_text("#job-results caption")

    term = "orders"
    matching = api(admin, "query($q: String) { jobs(first: 25, filter: {nameContains: $q}) { totalCount "
                          "nodes { name } } }", {"q": term})["jobs"]
    assert matching["totalCount"] > 0, "the synthetic workspace names jobs after orders"
    page.get_by_label("Search jobs by name").fill(term)
    page.wait_for_selector(f"#job-results[data-state=done][data-query={term}]")
    names = page.locator("#job-results tbody tr td:first-child").all_inner_texts()
    assert names == [j["name"] for j in matching["nodes"]]
    assert all(term in n.lower() for n in names)
    assert tab.path() == f"/jobs?q={term}"
    assert_accessible_markup(page)
    screenshot(page, "jobs")

    page.get_by_label("Search jobs by name").fill("no job is called this")
    page.wait_for_selector("#job-results[data-state=done][data-query='no job is called this']")
    assert "No job name contains" in page.inner_text("#job-results")


def test_costs_show_the_unattributed_row_and_export_csv(tab, admin, tmp_path):
    page = tab.open("/costs")
    page.wait_for_selector(".page.costs[data-state=done]")
    end = ui_window_end(api(admin, FRESHNESS)["dataFreshness"])
    costs = api(admin, "query($w: TimeWindowInput!) { costs(window: $w, groupBy: JOB) { total { amount } "
                       "groups { key label unattributed cost { listCost { amount } } } } }",
                {"w": window(end, days=30)})["costs"]
    remainder = next(g for g in costs["groups"] if g["unattributed"])
    row = page.locator("tr.unattributed")
    assert row.count() == 1
    assert "Unattributed" in row.inner_text() and "Not attributable to a job" in row.inner_text()
    assert money(remainder["cost"]["listCost"]["amount"]) in row.inner_text()
    assert page.inner_text("#costs-total") == money(costs["total"]["amount"])
    assert_accessible_markup(page)
    screenshot(page, "costs")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename.startswith("gql-monitor-costs-by-job-")
    saved = tmp_path / "costs.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == len(costs["groups"])
    assert {r["key"]: r["list_cost"] for r in rows} == {g["key"] or "": g["cost"]["listCost"]["amount"]
                                                        for g in costs["groups"]}
    assert [r["unattributed"] for r in rows].count("true") == 1
    # The export carries the API's exact decimals: the groups add up to the total but for each group's rounding to
    # a millionth (the schema says "exactly"; see docs/ui.md).
    drift = abs(sum(Decimal(r["list_cost"]) for r in rows) - Decimal(costs["total"]["amount"]))
    assert drift <= Decimal("0.000001") * len(rows) / 2

    page.locator("#cost-group").select_option("TAG")
    tab.settled()
    assert tab.path() == "/costs?by=TAG&tag=team"
    page.wait_for_selector(".page.costs[data-state=done]")
    assert "Usage without the tag “team”" in page.inner_text("tr.unattributed")
    assert page.locator("#cost-tag").is_enabled()
    screenshot(page, "costs-by-team")


def test_forbidden_panels_say_why_and_the_rest_still_shows(chromium, demo):
    """The analyst may use the Jobs API (for jobs whose ACL names them) but holds no grant on the system tables."""
    tab = Tab(chromium, demo.base_url, extra_http_headers={"Authorization": "Bearer local-analyst"})
    try:
        page = tab.open("/overview")
        for panel in ("failing", "spend", "freshness", "failures", "data-quality"):
            page.wait_for_selector(f"#{panel}[data-state=error]")
            text = page.inner_text(f"#{panel} .error")
            assert "FORBIDDEN" in text and "Insufficient privileges" in text and "system.lakeflow" in text, panel
        page.wait_for_selector("#active[data-state=done]")
        assert page.locator("#active tbody tr").count() > 0, "live data is shown despite the FORBIDDEN tables"
        assert "FORBIDDEN" in page.inner_text("#active .error")
        assert "analyst@example.com" in page.inner_text("#session")
        screenshot(page, "error-forbidden", full_page=True)

        page = tab.open("/costs")
        page.wait_for_selector(".page.costs[data-state=error]")
        assert "FORBIDDEN" in page.inner_text("main .error")
    finally:
        tab.close()
    assert not tab.page_errors, tab.page_errors


def test_without_a_token_the_page_says_so(chromium, monitor):
    """Outside the demo a browser must come through the Apps proxy or bring a token."""
    tab = Tab(chromium, monitor.base_url)
    try:
        page = tab.open("/jobs")
        page.wait_for_selector("#job-results[data-state=error]")
        text = page.inner_text("#job-results .error")
        assert "UNAUTHENTICATED" in text and "Bearer" in text
    finally:
        tab.close()
    assert not tab.page_errors, tab.page_errors


@pytest.fixture(scope="module")
def by_permissions(workspace):
    with RunningMonitor(monitor_settings(workspace, job_visibility="permissions",
                                         data_access="service-principal")) as running:
        yield running


def test_a_team_member_sees_their_jobs_and_is_told_whose_view_it_is(chromium, by_permissions):
    """With job visibility by permissions, the pages show only the jobs the user may view and say so; an admin's
    pages say they show all jobs."""
    tab = Tab(chromium, by_permissions.base_url, extra_http_headers={"Authorization": "Bearer local-team"})
    try:
        with by_permissions.client("local-team") as client:
            mine = api(client, "{ viewer { jobVisibility { visibleJobCount } } jobs(first: 25) { totalCount "
                               "nodes { name } } }")
        count = mine["viewer"]["jobVisibility"]["visibleJobCount"]
        assert 0 < mine["jobs"]["totalCount"] <= count
        page = tab.open("/jobs")
        page.wait_for_selector("#job-results[data-state=done]")
        page.wait_for_selector(".scope-note:not([hidden])")
        assert f"jobs you can view ({count})" in page.inner_text("#session")
        assert "Showing jobs you can view" in page.inner_text(".scope-note")
        assert page.inner_text("#job-results caption").startswith(f"Jobs: 1–{len(mine['jobs']['nodes'])} of ")
        names = page.locator("#job-results tbody tr td:first-child").all_inner_texts()
        assert names == [job["name"] for job in mine["jobs"]["nodes"]]
        screenshot(page, "jobs-you-can-view")

        page = tab.open("/costs")
        page.wait_for_selector(".page.costs[data-state=done]")
        page.wait_for_selector(".scope-note:not([hidden])")
        assert "unattributed spend is not included" in page.inner_text(".scope-note")
        assert page.locator("tr.unattributed").count() == 0
    finally:
        tab.close()
    assert not tab.page_errors, tab.page_errors

    tab = Tab(chromium, by_permissions.base_url, extra_http_headers={"Authorization": "Bearer local-admin"})
    try:
        page = tab.open("/jobs")
        page.wait_for_selector("#job-results[data-state=done]")
        page.wait_for_function("document.querySelector('#job-scope') !== null")
        assert "all jobs" in page.inner_text("#job-scope")
        assert page.locator(".scope-note").is_hidden()
    finally:
        tab.close()
