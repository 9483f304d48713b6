"""Cost intelligence (`costInsights`, `Job.costAnomalies`, the cost alerts) against independent truths computed from
the stand-in's tables: every amount to the cent, every flagged set exactly."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from conftest import NOW, RunningMonitor, gql, monitor_settings
from api.helpers import case, cents, priced_amounts, truth
from gql_monitor.graphql.context import window_clock

# The monitor's own "now" (the window clock) and an explicit window ending there.
NOW5 = window_clock(NOW)
START = NOW5 - timedelta(days=30)
WINDOW = {"start": START.isoformat(), "end": NOW5.isoformat()}
FAILED = {"FAILED", "ERROR", "TIMED_OUT"}


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def _runs(workspace, since):
    """Every run whose first slice starts at or after `since`: job, start, end (None in progress), final result,
    trigger and number of attempts, read from the timeline without the product's SQL."""
    rows = truth(workspace, """
        SELECT workspace_id, job_id, run_id, min(period_start_time),
               arg_max(result_state, (period_start_time, period_end_time)),
               arg_max(period_end_time, (period_start_time, period_end_time)),
               count(result_state), max(trigger_type)
        FROM lakeflow.job_run_timeline GROUP BY ALL HAVING min(period_start_time) >= ?""", [since])
    out = {}
    for ws, job, run, start, last_result, last_end, ends, trigger in rows:
        # The latest slice is an end row once the latest attempt has ended; until then the run is in progress.
        finished = last_result is not None
        result = truth(workspace, "SELECT result_state FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND "
                                  "run_id = ? AND result_state IS NOT NULL ORDER BY period_end_time DESC LIMIT 1",
                       [ws, run]) if finished else []
        out[(ws, run)] = {"job": f"{ws}:{job}", "start": start, "end": last_end if finished else None,
                          "result": result[0][0] if result else None, "trigger": trigger, "attempts": ends}
    return out


def _run_costs(workspace):
    return {(ws, run): amount for (ws, run), amount in priced_amounts(
        workspace, "(workspace_id, usage_metadata.job_run_id)", "usage_metadata.job_run_id IS NOT NULL").items()}


def _p90(values):
    values = sorted(values)
    position = Decimal(9 * (len(values) - 1)) / 10
    lo = int(position)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (position - lo)


def expected_anomalies(workspace, factor=Decimal(2), min_runs=10, baseline_days=30):
    """{run key: (job, cost, p90, baseline runs)}: finished runs billed in full, judged against the p90 of their job's
    other such runs that started from `baseline_days` before the window on."""
    (billed,) = truth(workspace, "SELECT max(usage_end_time) FROM billing.usage")[0]
    costs = _run_costs(workspace)
    by_job = defaultdict(list)
    for (ws, run), r in _runs(workspace, START - timedelta(days=baseline_days)).items():
        if r["end"] is not None and r["end"] <= billed:
            by_job[r["job"]].append((f"{ws}:{run}", r["start"], costs.get((ws, run), Decimal(0))))
    found = {}
    for job, runs in by_job.items():
        if len(runs) - 1 < min_runs:
            continue
        for key, start, cost in runs:
            if start < START:
                continue
            p90 = _p90([c for k, _, c in runs if k != key])
            if p90 > 0 and cost > factor * p90:
                found[key] = (job, cost, p90, len(runs) - 1)
    return found


ANOMALIES = """query($w: TimeWindowInput) { costInsights(window: $w) { anomalies(first: 100) {
  runCost { amount currency } baselineP90Cost { amount } ratio factor baselineRuns startTime
  job { id } run { id resultState repairCount } } } }"""


def test_run_cost_anomalies_are_exactly_the_independently_computed_ones(client, workspace):
    expected = expected_anomalies(workspace)
    assert expected, "the synthetic workspace has runs far above their job's p90 (timeouts, repairs)"
    got = gql(client, ANOMALIES, {"w": WINDOW})["data"]["costInsights"]["anomalies"]
    assert {a["run"]["id"] for a in got} == set(expected)
    for anomaly in got:
        job, cost, p90, others = expected[anomaly["run"]["id"]]
        assert anomaly["job"]["id"] == job
        assert cents(anomaly["runCost"]["amount"]) == cents(cost)
        assert cents(anomaly["baselineP90Cost"]["amount"]) == cents(p90)
        assert anomaly["ratio"] == pytest.approx(float(cost / p90), rel=1e-9)
        assert anomaly["factor"] == 2.0 and anomaly["baselineRuns"] == others
    assert [a["ratio"] for a in got] == sorted((a["ratio"] for a in got), reverse=True)


def test_steady_jobs_are_flagged_only_for_runs_that_left_the_steady_distribution(client, workspace):
    """Steady jobs' run costs vary with their durations (lognormal, sigma 0.18: the p90 is 1.26× the median, the
    largest of a month's runs rarely 1.5×), so a factor of 2 flags none of that. What a steady job can still show is
    a run that hit its timeout (hours instead of minutes) or was repaired (the failed attempt plus the repair): the
    tables really show those costing several times the usual, and only those are flagged."""
    plans = {f"{ws}:{job}": profile for ws, job, profile in
             truth(workspace, "SELECT workspace_id, job_id, profile FROM workspace_state.job_plans")}
    got = gql(client, ANOMALIES, {"w": WINDOW})["data"]["costInsights"]["anomalies"]
    steady = [a for a in got if plans.get(a["job"]["id"]) == "steady"]
    for anomaly in steady:
        assert anomaly["run"]["resultState"] == "TIMED_OUT" or anomaly["run"]["repairCount"] > 0, anomaly
    steady_jobs = {job for job, profile in plans.items() if profile == "steady"}
    assert len(steady_jobs) > 50 and len({a["job"]["id"] for a in steady}) <= 5


def test_job_cost_anomalies_match_the_account_wide_ones_and_cost_one_statement_for_a_page(uncached_monitor,
                                                                                        workspace):
    expected = expected_anomalies(workspace)
    with uncached_monitor.client() as c:
        body = gql(c, """query($w: TimeWindowInput) { jobs(first: 100) { nodes { id costAnomalies(window: $w) {
          runCost { amount } baselineP90Cost { amount } run { id } } } } }""", {"w": WINDOW})
        # The page of jobs, then one statement for every job's anomalies, then the anomalous runs by id.
        assert body["extensions"]["cost"]["warehouseStatements"] == 3
        nodes = body["data"]["jobs"]["nodes"]
        page = {n["id"] for n in nodes}
        listed = {a["run"]["id"]: (n["id"], a) for n in nodes for a in n["costAnomalies"]}
        assert set(listed) == {run for run, e in expected.items() if e[0] in page}
        for run, (job, anomaly) in listed.items():
            assert job == expected[run][0]
            assert cents(anomaly["runCost"]["amount"]) == cents(expected[run][1])
            assert cents(anomaly["baselineP90Cost"]["amount"]) == cents(expected[run][2])


def test_thresholds_change_the_anomalies_as_documented(workspace):
    settings = monitor_settings(workspace, cost_anomaly_factor=5.0, cost_anomaly_min_runs=30,
                                cost_anomaly_baseline_days=0)
    expected = expected_anomalies(workspace, Decimal(5), 30, 0)
    default = expected_anomalies(workspace)
    assert expected and set(expected) < set(default)
    with RunningMonitor(settings) as running, running.client() as c:
        got = gql(c, ANOMALIES, {"w": WINDOW})["data"]["costInsights"]["anomalies"]
        assert {a["run"]["id"] for a in got} == set(expected)
        assert {a["factor"] for a in got} == {5.0}
        alerts = gql(c, "query($w: TimeWindowInput) { alerts(first: 100, window: $w, kinds: [COST_ANOMALY]) "
                        "{ nodes { runs { id } } } }", {"w": WINDOW})["data"]["alerts"]["nodes"]
        assert {a["runs"][0]["id"] for a in alerts} == set(expected)


def test_cost_anomaly_alerts_carry_the_evidence(client, workspace):
    expected = expected_anomalies(workspace)
    alerts = gql(client, """query($w: TimeWindowInput) { alerts(first: 100, window: $w, kinds: [COST_ANOMALY]) {
      nodes { severity job { id } runs { id startTime } startedAt evidence { name value threshold unit } } } }""",
                 {"w": WINDOW})["data"]["alerts"]["nodes"]
    assert {a["runs"][0]["id"] for a in alerts} == set(expected)
    for alert in alerts:
        job, cost, p90, others = expected[alert["runs"][0]["id"]]
        evidence = {e["name"]: e for e in alert["evidence"]}
        assert alert["severity"] == "WARNING" and alert["job"]["id"] == job
        assert alert["startedAt"] == alert["runs"][0]["startTime"]
        assert cents(evidence["runCost"]["value"]) == cents(cost) and evidence["runCost"]["unit"] == "USD"
        assert cents(evidence["baselineP90Cost"]["value"]) == cents(p90)
        assert evidence["costRatio"]["threshold"] == 2.0
        assert evidence["costRatio"]["value"] == pytest.approx(float(cost / p90), rel=1e-3)
        assert evidence["baselineRuns"]["value"] == others


def expected_failure_spend(workspace):
    costs = _run_costs(workspace)
    runs = _runs(workspace, START)
    failed, retries = defaultdict(Decimal), defaultdict(Decimal)
    counts = defaultdict(lambda: [0, 0, 0])
    for (ws, run), r in runs.items():
        cost = costs.get((ws, run), Decimal(0))
        if r["result"] in FAILED and r["end"] is not None:
            failed[r["job"]] += cost
            counts[r["job"]][0] += 1
        if r["trigger"] == "ONETIME_RETRY":
            retries[r["job"]] += cost
            counts[r["job"]][1] += 1
        if r["attempts"] > 1 or (r["end"] is None and r["attempts"] >= 1):
            counts[r["job"]][2] += 1
    return failed, retries, counts


def test_spend_on_failed_runs_and_retries_reconciles_to_the_cent(client, workspace):
    failed, retries, counts = expected_failure_spend(workspace)
    data = gql(client, """query($w: TimeWindowInput) { costInsights(window: $w) { failureSpend {
      account { failedRuns { amount } retries { amount } repairs { amount } repairsUnsplit { amount } total { amount }
                failedRunCount retryRunCount repairedRunCount }
      topJobs(first: 100) { job { id } spend { failedRuns { amount } retries { amount } total { amount } failedRunCount
                retryRunCount repairedRunCount } } } } }""", {"w": WINDOW})["data"]["costInsights"]["failureSpend"]
    account = data["account"]
    assert cents(account["failedRuns"]["amount"]) == cents(sum(failed.values()))
    assert cents(account["retries"]["amount"]) == cents(sum(retries.values()))
    assert account["failedRunCount"] == sum(c[0] for c in counts.values()) > 0
    assert account["retryRunCount"] == sum(c[1] for c in counts.values()) > 0
    assert account["repairedRunCount"] == sum(c[2] for c in counts.values()) > 0
    for job in data["topJobs"]:
        key = job["job"]["id"]
        assert cents(job["spend"]["failedRuns"]["amount"]) == cents(failed.get(key, 0))
        assert cents(job["spend"]["retries"]["amount"]) == cents(retries.get(key, 0))
        assert [job["spend"][k] for k in ("failedRunCount", "retryRunCount", "repairedRunCount")] == counts[key]
    totals = [Decimal(j["spend"]["total"]["amount"]) for j in data["topJobs"]]
    assert totals == sorted(totals, reverse=True)
    # Each usage record once: the union is at most the sum of the parts, and at least the largest part.
    parts = [Decimal(account[k]["amount"]) for k in ("failedRuns", "retries", "repairs", "repairsUnsplit")]
    assert max(parts) <= Decimal(account["total"]["amount"]) <= sum(parts)


def test_repair_spend_is_what_the_repair_attempts_cost(client, workspace):
    """Repairs are split among attempts as RunAttempt.cost does (tests/api/test_repaired_runs.py checks that split
    against the tables). Where every attempt of a repaired run has a cost, its repair attempts' costs are in
    `repairs`; where RunAttempt.cost is null (an hour both a repair and the attempt before it ran in), the
    ambiguous rows are `repairsUnsplit` and the rest of that run's repair spend is still in `repairs`."""
    repaired = [f"{ws}:{run}" for (ws, run), r in _runs(workspace, START).items() if r["attempts"] > 1]
    assert repaired
    known, ambiguous_runs = Decimal(0), Decimal(0)
    for run in repaired:
        data = gql(client, "query($id: ID!) { run(id: $id) { cost { listCost { amount } } attempts { number "
                           "cost { listCost { amount } } } } }", {"id": run})["data"]["run"]
        if any(a["cost"] is None for a in data["attempts"]):
            ambiguous_runs += Decimal(data["cost"]["listCost"]["amount"])
        else:
            known += sum(Decimal(a["cost"]["listCost"]["amount"]) for a in data["attempts"] if a["number"] > 1)
    account = gql(client, """query($w: TimeWindowInput) { costInsights(window: $w) { failureSpend { account {
      repairs { amount } repairsUnsplit { amount } } } } }""", {"w": WINDOW})["data"]["costInsights"][
        "failureSpend"]["account"]
    repairs, unsplit = Decimal(account["repairs"]["amount"]), Decimal(account["repairsUnsplit"]["amount"])
    assert known > 0 and repairs >= known - Decimal("0.000001")
    assert repairs + unsplit <= known + ambiguous_runs + Decimal("0.000001")
    assert (unsplit > 0) == (ambiguous_runs > 0)


def expected_all_purpose_jobs(workspace, start=START, end=NOW5):
    rows = truth(workspace, """
        SELECT t.workspace_id || ':' || t.job_id, count(DISTINCT t.run_id),
               count(DISTINCT t.run_id) FILTER (WHERE c.cluster_id IS NOT NULL)
        FROM lakeflow.job_task_run_timeline t
        LEFT JOIN (SELECT DISTINCT workspace_id, cluster_id FROM compute.clusters WHERE cluster_source IN ('UI', 'API')) c
          ON c.workspace_id = t.workspace_id AND list_contains(t.compute_ids, c.cluster_id)
        WHERE t.period_start_time >= ? AND t.period_start_time < ?
        GROUP BY 1""", [start, end])
    return {job: (total, ap) for job, total, ap in rows if ap > 0}


def test_jobs_on_all_purpose_compute_are_listed_and_alerted(client, workspace):
    expected = expected_all_purpose_jobs(workspace)
    ws, job, _ = case(workspace, "all_purpose_job")
    assert f"{ws}:{job}" in expected
    data = gql(client, """query($w: TimeWindowInput) {
      costInsights(window: $w) { allPurposeComputeJobs(first: 100) { job { id cost(window: $w) { notAttributableReason } }
                                                         taskRuns allPurposeTaskRuns } }
      alerts(first: 100, window: $w, kinds: [ALL_PURPOSE_COMPUTE]) { nodes { severity job { id }
                                                                              evidence { name value } } } }""",
               {"w": WINDOW})["data"]
    listed = data["costInsights"]["allPurposeComputeJobs"]
    assert {j["job"]["id"]: (j["taskRuns"], j["allPurposeTaskRuns"]) for j in listed} == expected
    assert {j["job"]["cost"]["notAttributableReason"] for j in listed} == {"ALL_PURPOSE_COMPUTE"}
    plans = {f"{w}:{j}": compute for w, j, compute in
             truth(workspace, "SELECT workspace_id, job_id, compute FROM workspace_state.job_plans")}
    assert {plans[j] for j in expected} == {"all_purpose"}
    alerts = data["alerts"]["nodes"]
    assert {a["job"]["id"] for a in alerts} == set(expected)
    for alert in alerts:
        evidence = {e["name"]: e["value"] for e in alert["evidence"]}
        assert alert["severity"] == "INFO"
        assert (evidence["taskRuns"], evidence["allPurposeTaskRuns"]) == expected[alert["job"]["id"]]


@pytest.mark.parametrize("section, statements", [
    ("anomalies { ratio }", 1),
    ("failureSpend { account { total { amount } } }", 1),
    ("allPurposeComputeJobs { taskRuns }", 1),
    ("spendSpikes { day }", 1),
    ("forecast { total { projected { amount } } jobs { low { amount } } }", 1),
    # The jobs named: one statement more for all of them.
    ("forecast { jobs(first: 100) { job { name } } }", 2),
    ("window { start }", 0),
    ("anomalies { ratio } failureSpend { account { total { amount } } } allPurposeComputeJobs { taskRuns }", 3),
])
def test_each_section_costs_its_own_statement_only_when_selected(uncached_monitor, section, statements):
    with uncached_monitor.client() as c:
        body = gql(c, "{ costInsights { %s } }" % section)
        assert body["extensions"]["cost"]["warehouseStatements"] == statements


@pytest.mark.parametrize("kinds, statements", [
    ("[COST_ANOMALY]", 1), ("[ALL_PURPOSE_COMPUTE]", 1), ("[COST_ANOMALY, ALL_PURPOSE_COMPUTE]", 2),
])
def test_the_cost_alerts_cost_one_account_wide_statement_each_whatever_the_window(uncached_monitor, kinds,
                                                                                 statements):
    query = "query($w: TimeWindowInput) { alerts(first: 100, window: $w, kinds: %s) { totalCount } }"
    with uncached_monitor.client() as c:
        for window in ({"lastDays": 30}, {"lastDays": 90}):
            body = gql(c, query % kinds, {"w": window})
            assert body["data"]["alerts"]["totalCount"] > 0
            # `kinds` asks only the producers that raise them (insights/alerts.py `raises`).
            assert body["extensions"]["cost"]["warehouseStatements"] == statements


@pytest.mark.parametrize("query", [
    '{ costInsights(tagKey: "") { tagKey } }',
    '{ costInsights(tagKey: "%s") { tagKey } }' % ("k" * 201),
    '{ costInsights(window: {lastDays: 0}) { tagKey } }',
    '{ costInsights(window: {lastDays: 367}) { tagKey } }',
    '{ costInsights(window: {start: "2026-11-10T00:00:00Z", end: "2026-11-01T00:00:00Z"}) { tagKey } }',
    '{ costInsights(window: {start: "2025-01-01T00:00:00Z", end: "2026-11-01T00:00:00Z"}) { tagKey } }',
    '{ costInsights(window: {lastDays: 3, start: "2026-11-01T00:00:00Z"}) { tagKey } }',
    '{ costInsights { anomalies(first: 0) { ratio } } }',
    '{ costInsights { anomalies(first: 101) { ratio } } }',
    '{ costInsights { allPurposeComputeJobs(first: 0) { taskRuns } } }',
    '{ costInsights { spendSpikes(first: 0) { day } } }',
    '{ costInsights { forecast { jobs(first: 101) { job { id } } } } }',
    '{ costInsights(tagKey: "team") { forecast { tagValues(first: 0) { value } } } }',
    '{ costInsights { failureSpend { topJobs(first: -1) { job { id } } } } }',
    '{ jobs(first: 1) { nodes { costAnomalies(window: {lastDays: 400}) { ratio } } } }',
])
def test_bad_arguments_are_bad_user_input(client, query):
    body = client.post("/api/graphql", json={"query": query}).json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body


def test_a_hostile_tag_key_is_data(client):
    for value in ["' OR 1=1 --", "team'); DROP TABLE x; --", "ü🙂", "a\\b", "%_"]:
        body = gql(client, "query($t: String) { costInsights(tagKey: $t) { tagKey } }", {"t": value})
        assert body["data"]["costInsights"]["tagKey"] == value


def daily_spend(workspace):
    """{(subject, day): exact spend}: subject '' is the account, else a job id."""
    account = {("", day): a for day, a in priced_amounts(workspace, "usage_date").items()}
    jobs = priced_amounts(workspace, "(workspace_id || ':' || usage_metadata.job_id, usage_date)",
                          "usage_metadata.job_id IS NOT NULL")
    return {**account, **{(job, day): a for (job, day), a in jobs.items()}}


def expected_spikes(workspace, factor=Decimal(2), baseline_days=14, min_usd=Decimal(100)):
    (billed,) = truth(workspace, "SELECT max(usage_end_time) FROM billing.usage")[0]
    horizon = min(billed, NOW5)
    spend = daily_spend(workspace)
    found = {}
    for (subject, day), amount in spend.items():
        day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
        if day < START.date() or day_end > horizon:
            continue
        baseline = sorted(a for d in range(1, baseline_days + 1)
                          if (a := spend.get((subject, day - timedelta(days=d)), Decimal(0))) > 0)
        if 2 * len(baseline) < baseline_days:
            continue
        n = len(baseline)
        median = (baseline[(n - 1) // 2] + baseline[n // 2]) / 2
        if amount > factor * median and amount - median >= min_usd:
            found[(subject or None, day.isoformat())] = (amount, median, n)
    return found


SPIKES = """query($w: TimeWindowInput) { costInsights(window: $w) { spendSpikes(first: 100) {
  day job { id } spend { amount } baselineMedian { amount } ratio factor baselineDays } } }"""


def _check_spikes(got, expected):
    assert {((s["job"] or {}).get("id"), s["day"]) for s in got} == set(expected)
    for spike in got:
        amount, median, n = expected[((spike["job"] or {}).get("id"), spike["day"])]
        assert cents(spike["spend"]["amount"]) == cents(amount)
        assert cents(spike["baselineMedian"]["amount"]) == cents(median)
        assert spike["ratio"] == pytest.approx(float(amount / median), rel=1e-9) and spike["baselineDays"] == n


def test_daily_spend_spikes_by_default_are_exactly_the_independently_computed_ones(client, workspace):
    """The account's days follow a weekly rhythm (weekends about half of weekdays) that a factor of 2 over a 14-day
    median never reaches, and no job's day exceeds its usual by the $100 floor: nothing is a spike by default."""
    expected = expected_spikes(workspace)
    got = gql(client, SPIKES, {"w": WINDOW})["data"]["costInsights"]["spendSpikes"]
    _check_spikes(got, expected)
    alerts = gql(client, "query($w: TimeWindowInput) { alerts(first: 100, window: $w, kinds: [SPEND_SPIKE]) "
                         "{ totalCount } }", {"w": WINDOW})["data"]["alerts"]
    assert alerts["totalCount"] == len(expected)


def test_spend_spike_thresholds_change_the_spikes_as_documented(workspace):
    expected = expected_spikes(workspace, Decimal(2), 14, Decimal(5))
    assert len(expected) >= 5 and all(subject is not None for subject, _ in expected)
    with RunningMonitor(monitor_settings(workspace, spend_spike_min_usd=5)) as running, running.client() as c:
        _check_spikes(gql(c, SPIKES, {"w": WINDOW})["data"]["costInsights"]["spendSpikes"], expected)
        alerts = gql(c, """query($w: TimeWindowInput) { alerts(first: 100, window: $w, kinds: [SPEND_SPIKE]) {
          nodes { severity job { id } startedAt evidence { name value threshold } } } }""", {"w": WINDOW})
        nodes = alerts["data"]["alerts"]["nodes"]
        assert {(n["job"]["id"], n["startedAt"][:10]) for n in nodes} == set(expected)
        for node in nodes:
            amount, median, n = expected[(node["job"]["id"], node["startedAt"][:10])]
            evidence = {e["name"]: e for e in node["evidence"]}
            assert node["severity"] == "INFO"
            assert cents(evidence["daySpend"]["value"]) == cents(amount)
            assert cents(evidence["baselineMedian"]["value"]) == cents(median)
            assert evidence["spendRatio"]["threshold"] == 2.0 and evidence["baselineDays"]["value"] == n
    # A factor low enough to reach the account's weekly rhythm flags an account day, as a WARNING.
    account = expected_spikes(workspace, Decimal("1.2"), 14, Decimal(200))
    assert [subject for subject, _ in account] == [None]
    settings = monitor_settings(workspace, spend_spike_min_usd=200, spend_spike_factor=1.2)
    with RunningMonitor(settings) as running, running.client() as c:
        _check_spikes(gql(c, SPIKES, {"w": WINDOW})["data"]["costInsights"]["spendSpikes"], account)
        alert = gql(c, "query($w: TimeWindowInput) { alerts(first: 100, window: $w, kinds: [SPEND_SPIKE]) "
                       "{ nodes { severity job { id } } } }", {"w": WINDOW})["data"]["alerts"]["nodes"]
        assert alert == [{"severity": "WARNING", "job": None}]


FORECAST = """query($t: String) { costInsights(tagKey: $t) { forecast {
  monthStart monthEnd asOf method trailingDays trailingFrom trailingTo billedThrough unbilledDays remainingDays
  total { spentSoFar { amount } dailyRate { amount } projected { amount } low { amount } high { amount } }
  unattributed { spentSoFar { amount } projected { amount } }
  jobs(first: 100) { job { id } spentSoFar { amount } dailyRate { amount } projected { amount } low { amount }
                     high { amount } }
  tagValues(first: 100) { value spentSoFar { amount } projected { amount } low { amount } high { amount } }
} } }"""


def _projection(daily: dict, month_start, trailing, remaining):
    so_far = sum((a for d, a in daily.items() if d >= month_start), Decimal(0))
    days = [daily.get(d, Decimal(0)) for d in trailing]
    rate = sum(days, Decimal(0)) / len(days)
    return so_far, rate, so_far + rate * remaining, so_far + min(days) * remaining, so_far + max(days) * remaining


def test_the_month_end_forecast_is_the_documented_arithmetic_on_exact_amounts(client, workspace):
    (billed,) = truth(workspace, "SELECT max(usage_end_time) FROM billing.usage")[0]
    month_start, month_end = date(2026, 11, 1), datetime(2026, 12, 1, tzinfo=timezone.utc)
    trailing = [billed.date() - timedelta(days=n) for n in range(7, 0, -1)]
    remaining = Decimal(int((month_end - billed).total_seconds())) / 86400
    data = gql(client, FORECAST, {"t": "team"})["data"]["costInsights"]["forecast"]
    assert (data["monthStart"], data["monthEnd"]) == ("2026-11-01T00:00:00+00:00", "2026-12-01T00:00:00+00:00")
    assert data["method"] == "TRAILING_DAILY_AVERAGE" and data["trailingDays"] == 7
    assert (data["trailingFrom"], data["trailingTo"]) == (trailing[0].isoformat(), trailing[-1].isoformat())
    assert data["remainingDays"] == pytest.approx(float(remaining))
    assert data["unbilledDays"] == pytest.approx((NOW5 - billed).total_seconds() / 86400)

    def check(got, daily):
        expected = _projection(daily, month_start, trailing, remaining)
        names = ("spentSoFar", "dailyRate", "projected", "low", "high")
        assert [cents(got[n]["amount"]) for n in names if n in got] == \
            [cents(v) for n, v in zip(names, expected) if n in got]

    spend = daily_spend(workspace)
    check(data["total"], {d: a for (s, d), a in spend.items() if s == ""})
    unattributed = priced_amounts(workspace, "usage_date", "usage_metadata.job_id IS NULL")
    check(data["unattributed"], unattributed)
    jobs = defaultdict(dict)
    for (s, d), a in spend.items():
        if s:
            jobs[s][d] = a
    assert len(data["jobs"]) == 100
    for job in data["jobs"]:
        check(job, jobs[job["job"]["id"]])
    projected = [Decimal(j["projected"]["amount"]) for j in data["jobs"]]
    assert projected == sorted(projected, reverse=True)
    tags = defaultdict(dict)
    for (value, d), a in priced_amounts(workspace, "(custom_tags['team'], usage_date)").items():
        tags[value][d] = a
    assert {t["value"] for t in data["tagValues"]} == set(tags) and data["tagValues"][-1]["value"] is None
    for tag in data["tagValues"]:
        check(tag, tags[tag["value"]])
    # Every job's spend so far plus the unattributed spend is the account's.
    so_far = sum((a for daily in jobs.values() for d, a in daily.items() if d >= month_start), Decimal(0))
    so_far += sum((a for d, a in unattributed.items() if d >= month_start), Decimal(0))
    assert cents(so_far) == cents(data["total"]["spentSoFar"]["amount"])


def test_the_forecast_follows_its_trailing_days_setting(workspace):
    with RunningMonitor(monitor_settings(workspace, forecast_trailing_days=3)) as running, running.client() as c:
        data = gql(c, FORECAST, {"t": None})["data"]["costInsights"]["forecast"]
        assert data["trailingDays"] == 3 and data["tagValues"] == []
        (billed,) = truth(workspace, "SELECT max(usage_end_time) FROM billing.usage")[0]
        trailing = [billed.date() - timedelta(days=n) for n in range(3, 0, -1)]
        remaining = Decimal(int((datetime(2026, 12, 1, tzinfo=timezone.utc) - billed).total_seconds())) / 86400
        spend = {d: a for (s, d), a in daily_spend(workspace).items() if s == ""}
        expected = _projection(spend, date(2026, 11, 1), trailing, remaining)
        assert cents(data["total"]["projected"]["amount"]) == cents(expected[2])


def test_a_failing_section_nulls_only_the_insights_not_the_answer(monitor):
    """costInsights is nullable like every root field that reads a source: a caller without grants on the system
    tables gets FORBIDDEN there, and the other root fields still answer."""
    with monitor.client(token="local-analyst") as c:
        body = gql(c, "{ viewer { userName } costInsights { failureSpend { account { total { amount } } } } }",
                   expect_errors=True)
    assert body["data"]["viewer"]["userName"] == "analyst@example.com" and body["data"]["costInsights"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
