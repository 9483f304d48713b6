"""Durations, SLAs and schedules (issue 10 items 2 and 3) against the planted cases, with independent truths.

Every expectation is computed here with plain DuckDB over the stand-in's tables (`truth`) and plain Python (medians,
cron arithmetic from the generator's cron kinds), never with the product's SQL or gql_monitor/schedules.py."""

from __future__ import annotations

import re
import statistics
from datetime import datetime, timedelta, timezone

import pytest

from conftest import NOW, RunningMonitor, gql, monitor_settings
from helpers import case, truth

# The operation's window clock: the pinned clock rounded down to five minutes (graphql/context.py).
OP_NOW = NOW.replace(minute=NOW.minute - NOW.minute % 5, second=0, microsecond=0)
RECENT_START = OP_NOW - timedelta(days=7)
BASELINE_START = RECENT_START - timedelta(days=30)
WINDOW_START = OP_NOW - timedelta(days=30)

ALERTS = """query($kinds: [AlertKind!]) { alerts(first: 100, kinds: $kinds) { totalCount edges { node {
  kind severity title startedAt expectedFireTimes evidence { name value threshold unit } job { id } runs { id } } } } }"""


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def job_id(ws_job) -> str:
    return f"{ws_job[0]}:{ws_job[1]}"


def plans(workspace) -> dict[str, tuple]:
    rows = truth(workspace, "SELECT workspace_id || ':' || job_id, profile, quartz_cron_expression, timezone_id, "
                            "sla_minutes, notes FROM workspace_state.job_plans")
    return {r[0]: r[1:] for r in rows}


def run_truth(workspace) -> list[tuple]:
    """(job id, run id, start, end or None, latest result, duration seconds) of every run, from the raw timeline."""
    return truth(workspace, """
        SELECT workspace_id || ':' || job_id, workspace_id || ':' || run_id, min(period_start_time),
               max(period_end_time) FILTER (WHERE result_state IS NOT NULL),
               arg_max(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL),
               sum(run_duration_seconds),
               max(period_end_time) > max(period_end_time) FILTER (WHERE result_state IS NOT NULL)
        FROM lakeflow.job_run_timeline GROUP BY ALL""")


def finished(run) -> bool:
    # An end row that is the run's last slice: a repair still running has slices after it.
    return run[3] is not None and not run[6]


def alerts_of(client, kinds) -> list[dict]:
    return [e["node"] for e in gql(client, ALERTS, {"kinds": kinds})["data"]["alerts"]["edges"]]


def evidence(alert, name) -> float:
    return next(e["value"] for e in alert["evidence"] if e["name"] == name)


# -- durations -----------------------------------------------------------------------------------------------------

def expected_trends(workspace, min_runs=5, ratio=1.5) -> dict[str, tuple[float, int, int]]:
    by_job: dict[str, tuple[list, list]] = {}
    for job, _run, start, end, state, duration, _open in run_truth(workspace):
        if state != "SUCCEEDED" or not finished((job, _run, start, end, state, duration, _open)):
            continue
        recent, base = by_job.setdefault(job, ([], []))
        if start >= RECENT_START:
            recent.append(duration)
        elif start >= BASELINE_START:
            base.append(duration)
    out = {}
    for job, (recent, base) in by_job.items():
        if len(recent) >= min_runs and len(base) >= min_runs:
            r = statistics.median(recent) / statistics.median(base)
            out[job] = (r, len(recent), len(base))
    return {job: v for job, v in out.items() if v[0] >= ratio}


def test_the_planted_regression_is_found_with_its_ratio(client, workspace):
    planted = job_id(case(workspace, "duration_regression"))
    truth_ratio, recent_runs, baseline_runs = expected_trends(workspace)[planted]
    assert truth_ratio == pytest.approx(2.1, abs=0.25)  # the generator's factor, through lognormal noise
    trend = gql(client, "query($id: ID!) { job(id: $id) { durationTrend { ratio regressed judged recentRuns "
                        "baselineRuns recent { start } baseline { start end } } } }",
                {"id": planted})["data"]["job"]["durationTrend"]
    assert trend["regressed"] and trend["judged"]
    assert trend["ratio"] == pytest.approx(truth_ratio, rel=1e-6)
    assert (trend["recentRuns"], trend["baselineRuns"]) == (recent_runs, baseline_runs)
    assert trend["baseline"]["end"] == trend["recent"]["start"] == RECENT_START.isoformat()
    alert = next(a for a in alerts_of(client, ["DURATION_REGRESSION"]) if a["job"]["id"] == planted)
    assert alert["severity"] == "WARNING"
    assert evidence(alert, "durationRatio") == pytest.approx(truth_ratio, abs=1e-3)


def test_regressions_flag_exactly_the_jobs_the_tables_show_and_no_steady_job(client, workspace):
    expected = set(expected_trends(workspace))
    flagged = {a["job"]["id"] for a in alerts_of(client, ["DURATION_REGRESSION"])}
    assert flagged == expected
    profiles = plans(workspace)
    assert {profiles[j][0] for j in flagged} == {"duration_regression"}


def baseline_p95(workspace, job: str) -> float:
    """The interpolated 95th percentile of the job's successful runs in the baseline (before the recent period)."""
    base = sorted(r[5] for r in run_truth(workspace) if r[0] == job and r[4] == "SUCCEEDED" and finished(r)
                  and BASELINE_START <= r[2] < RECENT_START)
    return statistics.quantiles(base, n=100, method="inclusive")[94]


def test_outlier_runs_are_measured_against_the_baseline_p95_in_one_statement(uncached_monitor, workspace):
    planted = job_id(case(workspace, "long_run"))
    with uncached_monitor.client() as c:
        body = gql(c, "query($id: ID!) { job(id: $id) { durationTrend { baselineP95Seconds } runs(first: 50) { "
                      "nodes { durationSeconds inProgress durationOutlier { ratio outlier factor baselineP95Seconds } } } } }",
                   {"id": planted})
    job = body["data"]["job"]
    # job, its runs page, the durations of the page's jobs (shared with durationTrend): one statement each
    assert body["extensions"]["cost"]["warehouseStatements"] == 3
    p95 = baseline_p95(workspace, planted)
    assert job["durationTrend"]["baselineP95Seconds"] == pytest.approx(p95, rel=1e-9)
    for run in job["runs"]["nodes"]:
        if run["inProgress"]:
            assert run["durationOutlier"] is None
            continue
        outlier = run["durationOutlier"]
        assert outlier["ratio"] == pytest.approx(run["durationSeconds"] / p95, rel=1e-5)
        assert outlier["outlier"] == (run["durationSeconds"] > p95 * 1.5)


def test_active_runs_carry_their_jobs_usual_p95_in_one_statement(uncached_monitor, workspace):
    planted = job_id(case(workspace, "long_run"))
    with uncached_monitor.client() as c:
        body = gql(c, "{ activeRuns(first: 25) { nodes { id jobId startTime elapsedSeconds usualP95Seconds "
                      "longerThanUsual } } }")
    assert body["extensions"]["cost"]["warehouseStatements"] == 1
    runs = body["data"]["activeRuns"]["nodes"]
    long_run = next(r for r in runs if r["jobId"] == planted and r["elapsedSeconds"] > 3 * 3600)
    assert long_run["usualP95Seconds"] == pytest.approx(baseline_p95(workspace, planted))
    for run in runs:
        if run["usualP95Seconds"] is not None and run["elapsedSeconds"] is not None:
            assert run["longerThanUsual"] == (run["elapsedSeconds"] > run["usualP95Seconds"])
    started = datetime.fromisoformat(long_run["startTime"])
    assert long_run["elapsedSeconds"] == pytest.approx((OP_NOW - started).total_seconds())


# -- SLAs ----------------------------------------------------------------------------------------------------------

def sla_truth(workspace, job: str, minutes: int) -> tuple[set[str], int]:
    runs = [r for r in run_truth(workspace) if r[0] == job and WINDOW_START <= r[2] < OP_NOW]
    done = [r for r in runs if finished(r)]
    return {r[1] for r in done if r[5] > minutes * 60}, len(done)


SLA = """query($id: ID!) { job(id: $id) { sla { targetMinutes source tagProblem finishedRuns breachCount
  breaches { runId durationSeconds overBySeconds run { id durationSeconds } } breachHistory { date breaches }
  atRisk { runId elapsedSeconds shareOfTarget run { id inProgress } } } } }"""


@pytest.mark.parametrize("name", ["sla_job", "long_run"])
def test_sla_breaches_match_an_independent_count(client, workspace, name):
    job = job_id(case(workspace, name))
    minutes = plans(workspace)[job][3]
    breaching, done = sla_truth(workspace, job, minutes)
    sla = gql(client, SLA, {"id": job})["data"]["job"]["sla"]
    assert (sla["targetMinutes"], sla["source"], sla["tagProblem"]) == (minutes, "TAG", None)
    assert sla["finishedRuns"] == done
    assert sla["breachCount"] == len(breaching)
    assert {b["runId"] for b in sla["breaches"]} == breaching
    assert all(b["overBySeconds"] == b["durationSeconds"] - minutes * 60 > 0 for b in sla["breaches"])
    assert all((b["run"]["id"], b["run"]["durationSeconds"]) == (b["runId"], b["durationSeconds"])
               for b in sla["breaches"])
    assert sum(d["breaches"] for d in sla["breachHistory"]) == len(breaching)
    assert len(sla["breachHistory"]) == 31  # a 30-day window not aligned to midnight touches 31 days


def test_the_long_run_in_progress_is_at_risk_of_its_sla(client, workspace):
    job = job_id(case(workspace, "long_run"))
    active = case(workspace, "active_long_run")
    sla = gql(client, SLA, {"id": job})["data"]["job"]["sla"]
    (risk,) = sla["atRisk"]
    assert risk["runId"] == f"{active[0]}:{active[2]}"
    assert risk["shareOfTarget"] == pytest.approx(risk["elapsedSeconds"] / (240 * 60), rel=1e-5)
    assert risk["shareOfTarget"] >= 0.8
    assert risk["run"] == {"id": risk["runId"], "inProgress": True}
    (alert,) = [a for a in alerts_of(client, ["SLA_AT_RISK"])]
    assert (alert["job"]["id"], alert["severity"], [r["id"] for r in alert["runs"]]) == \
        (job, "CRITICAL", [risk["runId"]])


def test_active_runs_are_judged_against_their_jobs_sla_live(uncached_monitor, workspace):
    """The Jobs API's view: every active run of a job with an SLA tag gets its share of the target, including runs the
    tables have not recorded yet (the queued run behind the long run has no timeline row)."""
    tags = {f"{w}:{j}": int(v) for w, j, v in truth(
        workspace, "SELECT workspace_id, job_id, tags['sla_minutes'] FROM lakeflow.jobs WHERE tags['sla_minutes'] "
                   "IS NOT NULL QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time "
                   "DESC) = 1")}
    with uncached_monitor.client() as c:
        body = gql(c, "{ activeRuns(first: 25) { nodes { id jobId elapsedSeconds sla { targetMinutes source "
                      "shareOfTarget atRisk } } } }")
    runs = body["data"]["activeRuns"]["nodes"]
    # The jobs of the page, asked once.
    assert body["extensions"]["cost"]["warehouseStatements"] == 1
    judged = [r for r in runs if r["sla"]]
    assert {r["jobId"] for r in judged} == {r["jobId"] for r in runs if r["jobId"] in tags and r["elapsedSeconds"] is not None}
    for run in judged:
        minutes = tags[run["jobId"]]
        assert (run["sla"]["targetMinutes"], run["sla"]["source"]) == (minutes, "TAG")
        assert run["sla"]["shareOfTarget"] == pytest.approx(run["elapsedSeconds"] / (minutes * 60), rel=1e-5)
        assert run["sla"]["atRisk"] == (run["sla"]["shareOfTarget"] >= 0.8)
    active, queued = case(workspace, "active_long_run"), case(workspace, "queued_run")
    by_id = {r["id"]: r for r in runs}
    assert by_id[f"{active[0]}:{active[2]}"]["sla"]["atRisk"] is True
    assert by_id[f"{queued[0]}:{queued[2]}"]["sla"]["atRisk"] is False  # queued four minutes ago


def test_sla_breach_alerts_are_exactly_the_tagged_jobs_with_breaches(client, workspace):
    tagged = truth(workspace, """SELECT workspace_id || ':' || job_id, tags['sla_minutes'] FROM lakeflow.jobs
                                 QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
                                 AND delete_time IS NULL AND tags['sla_minutes'] IS NOT NULL""")
    expected = {job for job, minutes in tagged if sla_truth(workspace, job, int(minutes))[0]}
    found = alerts_of(client, ["SLA_BREACH"])
    assert {a["job"]["id"] for a in found} == expected
    for alert in found:
        breaching, done = sla_truth(workspace, alert["job"]["id"], int(dict(tagged)[alert["job"]["id"]]))
        assert evidence(alert, "breaches") == len(breaching) and evidence(alert, "finishedRuns") == done
        assert {r["id"] for r in alert["runs"]} <= breaching


# -- schedules -----------------------------------------------------------------------------------------------------

ADHERENCE = """query($id: ID!) { job(id: $id) { deletedTime scheduleAdherence { quartzCronExpression timezoneId firesJudged
  onTime lateStartCount lateStarts { expectedFireTime startTime delaySeconds runId run { id startTime } } missedFireCount
  missedFireTimes firesPaused firesPending checkedThrough } } }"""


def cron_starts(workspace, job: str) -> list[datetime]:
    ws, jid = job.split(":")
    return sorted(r[0] for r in truth(workspace, """
        SELECT min(period_start_time) FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ?
        AND trigger_type = 'CRON' GROUP BY run_id""", [ws, jid]))


def test_the_planted_late_starts_are_found_with_their_fire_times(client, workspace):
    rows = truth(workspace, "SELECT workspace_id, job_id, run_id, note FROM workspace_state.cases "
                            "WHERE case_name = 'late_start' AND run_id <> ''")
    assert rows
    job = f"{rows[0][0]}:{rows[0][1]}"
    adherence = gql(client, ADHERENCE, {"id": job})["data"]["job"]["scheduleAdherence"]
    late = {s["runId"]: s for s in adherence["lateStarts"]}
    for ws, _job, run, note in rows:
        minutes, fire = re.search(r"started (\d+) min after its (\S+) fire time", note).groups()
        found = late[f"{ws}:{run}"]
        assert datetime.fromisoformat(found["expectedFireTime"]) == datetime.fromisoformat(fire)
        assert int(found["delaySeconds"] // 60) == int(minutes)
    # Hourly at :45 UTC (the generator's cron kind): every judged fire is a whole hour apart, and every late
    # start is a run more than 5 minutes after its fire and before the next one.
    starts = cron_starts(workspace, job)
    for s in adherence["lateStarts"]:
        fire = datetime.fromisoformat(s["expectedFireTime"])
        assert (fire.minute, fire.second) == (45, 0)
        assert datetime.fromisoformat(s["startTime"]) in starts
        assert s["run"] == {"id": s["runId"], "startTime": s["startTime"]}
        assert timedelta(minutes=5) < datetime.fromisoformat(s["startTime"]) - fire < timedelta(hours=1)
    assert adherence["missedFireCount"] == 0
    expected_late = sum(1 for fire in _fires_every(job_start=WINDOW_START, hours=1, minute=45, phase=0,
                                                   until=datetime.fromisoformat(adherence["checkedThrough"]) - timedelta(hours=1))
                        if any(timedelta(minutes=5) < s - fire < timedelta(hours=1) for s in starts)
                        and not any(timedelta(seconds=-60) <= s - fire <= timedelta(minutes=5) for s in starts))
    assert adherence["lateStartCount"] == expected_late


def _fires_every(job_start: datetime, hours: int, minute: int, phase: int, until: datetime) -> list[datetime]:
    """Fires of `0 <minute> <phase>/<hours> * * ?` in UTC from job_start to until, by arithmetic."""
    day = job_start.replace(hour=0, minute=0, second=0, microsecond=0)
    out, at = [], day + timedelta(hours=phase, minutes=minute)
    while at < until:
        if at >= job_start:
            out.append(at)
        at += timedelta(hours=hours)
    return out


def test_the_planted_missed_fires_are_found(client, workspace):
    job = job_id(case(workspace, "missed_schedule"))
    cron, zone = plans(workspace)[job][1:3]
    assert (cron, zone) == ("0 5 1/6 * * ?", "UTC")  # the generator's every_6h kind, phase 1
    adherence = gql(client, ADHERENCE, {"id": job})["data"]["job"]["scheduleAdherence"]
    starts = cron_starts(workspace, job)
    through = datetime.fromisoformat(adherence["checkedThrough"])
    # judged: the run could have started (within the 2-hour wait) before the tables caught up
    fires = _fires_every(WINDOW_START, 6, 5, 1, through - timedelta(hours=2))
    missed = [f for f in fires if not any(timedelta(seconds=-60) <= s - f < timedelta(hours=2) for s in starts)]
    assert missed, "the generator drops 1-2 fires in the last third of the window"
    assert sorted(datetime.fromisoformat(t) for t in adherence["missedFireTimes"]) == missed
    assert adherence["firesJudged"] == len(fires)
    alert = next(a for a in alerts_of(client, ["MISSED_SCHEDULE"]) if a["job"]["id"] == job)
    assert sorted(datetime.fromisoformat(t) for t in alert["expectedFireTimes"]) == missed


def test_a_paused_job_misses_nothing_while_paused(client, workspace):
    job = job_id(case(workspace, "paused_job"))
    adherence = gql(client, ADHERENCE, {"id": job})["data"]["job"]["scheduleAdherence"]
    assert adherence["firesPaused"] > 0
    assert adherence["missedFireCount"] == 0


def test_schedule_alerts_flag_only_planted_profiles_and_every_planted_case(client, workspace):
    profiles = plans(workspace)
    late = {a["job"]["id"] for a in alerts_of(client, ["LATE_START"])}
    missed = {a["job"]["id"] for a in alerts_of(client, ["MISSED_SCHEDULE"])}
    # A late_start job whose few fires in the window all started on time raises nothing, so the sets are checked
    # against the profiles (no other job's runs start late or go missing) and the planted cases.
    assert {profiles[j][0] for j in late} == {"late_start"}
    assert {profiles[j][0] for j in missed} == {"missed_schedule"}
    assert job_id(case(workspace, "late_start")) in late
    assert job_id(case(workspace, "missed_schedule")) in missed
    # Every job whose profile plants them and whose schedule the tables record raises them when its tables show one;
    # deleted jobs raise nothing (their schedule no longer runs).
    for job in [j for j, p in profiles.items() if p[0] in ("late_start", "missed_schedule")]:
        found = gql(client, ADHERENCE, {"id": job})["data"]["job"]
        adherence = found["scheduleAdherence"] if found else None
        if adherence is None or found["deletedTime"]:
            continue
        assert (job in late) == (adherence["lateStartCount"] > 0)
        assert (job in missed) == (adherence["missedFireCount"] > 0)


# -- thresholds, statement counts, bad input -----------------------------------------------------------------------

def test_thresholds_change_the_results(workspace):
    settings = monitor_settings(workspace, late_start_minutes=50, duration_regression_ratio=3.0,
                                default_sla_minutes=1, sla_tag="team", late_start_warning_count=1)
    with RunningMonitor(settings) as running, running.client() as c:
        kinds = {a["kind"] for a in alerts_of(c, ["LATE_START", "DURATION_REGRESSION"])}
        assert kinds == set()  # the generator's late starts are at most 45 min; its regressions 2.1x
        sla = gql(c, SLA, {"id": job_id(case(workspace, "sla_job"))})["data"]["job"]["sla"]
        # the `team` tag's value is no number: ignored, said so, and the default applies
        assert (sla["targetMinutes"], sla["source"]) == (1, "SETTING")
        assert "not a whole number of minutes" in sla["tagProblem"]
        assert sla["breachCount"] == sla["finishedRuns"] - sum(
            1 for r in run_truth(workspace) if r[0] == job_id(case(workspace, "sla_job")) and finished(r)
            and WINDOW_START <= r[2] < OP_NOW and r[5] <= 60)
    with RunningMonitor(monitor_settings(workspace, late_start_minutes=20, missed_schedule_minutes=10)) as running, \
            running.client() as c:
        job = job_id(case(workspace, "late_start"))
        adherence = gql(c, ADHERENCE, {"id": job})["data"]["job"]["scheduleAdherence"]
        # runs later than the 10-minute wait no longer answer their fire: they are missed fires now
        assert adherence["lateStartCount"] == 0
        assert adherence["missedFireCount"] > 0


@pytest.mark.parametrize("kinds, statements", [
    (["DURATION_REGRESSION", "LONGER_THAN_USUAL"], 1),
    (["SLA_BREACH", "SLA_AT_RISK"], 2),  # the jobs with a target, then their runs
    (["LATE_START", "MISSED_SCHEDULE"], 1),
    (["DURATION_REGRESSION", "LONGER_THAN_USUAL", "SLA_BREACH", "SLA_AT_RISK", "LATE_START", "MISSED_SCHEDULE"], 4),
])
def test_the_alerts_of_these_rules_cost_a_fixed_number_of_statements(uncached_monitor, kinds, statements):
    with uncached_monitor.client() as c:
        body = gql(c, "query($k: [AlertKind!]) { alerts(first: 100, kinds: $k) { totalCount edges { node { kind } } } }",
                   {"k": kinds})
        assert body["extensions"]["cost"]["warehouseStatements"] == statements
        # the alerts' jobs and runs: one statement each, whatever the number of alerts (none when none has runs)
        body = gql(c, "query($k: [AlertKind!]) { alerts(first: 100, kinds: $k) { edges { node { job { id } "
                      "runs { id } } } } }", {"k": kinds})
        nodes = [e["node"] for e in body["data"]["alerts"]["edges"]]
        assert nodes
        with_runs = any(n["runs"] for n in nodes)
        assert body["extensions"]["cost"]["warehouseStatements"] == statements + 1 + with_runs


def test_a_page_of_jobs_costs_one_statement_per_field(uncached_monitor):
    with uncached_monitor.client() as c:
        body = gql(c, "{ jobs(first: 50) { nodes { durationTrend { ratio } sla { breachCount atRisk { runId } } "
                      "scheduleAdherence { lateStartCount missedFireCount } } } }")
    assert body["extensions"]["cost"]["warehouseStatements"] == 4


@pytest.mark.parametrize("query", [
    '{ jobs(first: 1) { nodes { sla(window: {lastDays: 0}) { breachCount } } } }',
    '{ jobs(first: 1) { nodes { sla(window: {lastDays: 400}) { breachCount } } } }',
    '{ jobs(first: 1) { nodes { sla(window: {start: "2026-11-01T00:00:00Z", end: "2026-10-01T00:00:00Z"}) { breachCount } } } }',
    '{ jobs(first: 1) { nodes { scheduleAdherence(window: {lastDays: -1}) { firesJudged } } } }',
    '{ jobs(first: 1) { nodes { scheduleAdherence(window: {start: "2020-01-01T00:00:00Z", end: "2026-01-01T00:00:00Z"}) { firesJudged } } } }',
    '{ jobs(first: 1) { nodes { scheduleAdherence(window: {lastDays: 7, start: "2026-11-01T00:00:00Z"}) { firesJudged } } } }',
    '{ jobs(first: 1) { nodes { scheduleAdherence(window: {start: "not a time"}) { firesJudged } } } }',
    '{ jobs(first: 1) { nodes { sla(window: {lastDays: 99999999999}) { breachCount } } } }',
])
def test_bad_windows_are_bad_user_input(client, query):
    body = gql(client, query, expect_errors=True)
    assert body["errors"] and all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in body["errors"])
