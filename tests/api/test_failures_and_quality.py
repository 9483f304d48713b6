"""Root `failures` (failed runs by termination code and type) and `dataQuality` (what the tables do not cover), against
independent truths computed in plain DuckDB over the stand-in's tables."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from conftest import NOW, gql
from api.helpers import amount, case, priced_usage_rows, truth
from gql_monitor.graphql.context import window_clock

AS_OF = window_clock(NOW)
START = AS_OF - timedelta(days=30)


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


@pytest.fixture(scope="module")
def failed_runs(workspace) -> list[tuple]:
    """(job key, run key, start, termination code, termination type) of every whole run that started in the default
    window and whose latest slice failed."""
    return truth(workspace, """
        WITH r AS (
          SELECT workspace_id, job_id, run_id, min(period_start_time) AS started,
                 arg_max(result_state, (period_start_time, period_end_time)) AS outcome,
                 arg_max(termination_code, (period_start_time, period_end_time)) AS code,
                 arg_max(termination_type, (period_start_time, period_end_time)) AS type,
                 bool_or(period_start_time < ?) AS earlier
          FROM lakeflow.job_run_timeline WHERE period_start_time >= ? - INTERVAL 7 DAY GROUP BY ALL)
        SELECT workspace_id || ':' || job_id, workspace_id || ':' || run_id, started, code, type FROM r
        WHERE NOT earlier AND started >= ? AND started < ? AND outcome IN ('FAILED', 'ERROR', 'TIMED_OUT')""",
                 [START, START, START, AS_OF])


FAILURES = """{ failures { failedRuns window { start end }
  byTerminationCode(first: 50) { key failedRuns jobCount jobs(first: 5) { failedRuns job { id } }
                                 recentRuns(first: 5) { id startTime resultState } }
  byTerminationType(first: 50) { key failedRuns jobCount jobs(first: 5) { failedRuns job { id } }
                                 recentRuns(first: 5) { id startTime } } } }"""


def test_failures_are_grouped_by_code_and_type_as_the_timeline_says(client, failed_runs):
    data = gql(client, FAILURES)["data"]["failures"]
    assert data["failedRuns"] == len(failed_runs) > 0
    assert datetime.fromisoformat(data["window"]["start"]) == START
    for field, index in (("byTerminationCode", 3), ("byTerminationType", 4)):
        groups = data[field]
        runs_by_key = Counter(run[index] for run in failed_runs)
        assert {g["key"]: g["failedRuns"] for g in groups} == dict(runs_by_key)
        assert [g["failedRuns"] for g in groups] == sorted((g["failedRuns"] for g in groups), reverse=True)
        for group in groups:
            mine = [run for run in failed_runs if run[index] == group["key"]]
            per_job = Counter(run[0] for run in mine)
            assert group["jobCount"] == len(per_job)
            top = sorted(per_job.items(), key=lambda item: (-item[1], item[0]))[:5]
            assert [(j["job"]["id"], j["failedRuns"]) for j in group["jobs"]] == top
            newest = sorted(mine, key=lambda run: run[2], reverse=True)[:5]
            assert [datetime.fromisoformat(r["startTime"]) for r in group["recentRuns"]] == [run[2] for run in newest]
    assert all(r["resultState"] in ("FAILED", "ERROR", "TIMED_OUT")
               for g in data["byTerminationCode"] for r in g["recentRuns"])


def test_the_planted_streak_shows_under_its_termination_code(client, workspace, failed_runs):
    ws, job, _ = case(workspace, "failing_streak")
    codes = Counter(run[3] for run in failed_runs if run[0] == f"{ws}:{job}")
    code, count = codes.most_common(1)[0]
    assert code in ("STORAGE_ACCESS_ERROR", "RUN_EXECUTION_ERROR", "LIBRARY_INSTALLATION_ERROR") and count >= 4
    groups = gql(client, FAILURES)["data"]["failures"]["byTerminationCode"]
    (group,) = [g for g in groups if g["key"] == code]
    assert {"failedRuns": count, "job": {"id": f"{ws}:{job}"}} in group["jobs"]


def test_a_window_narrows_the_failures(client, failed_runs):
    start = AS_OF - timedelta(days=3)
    data = gql(client, "query($w: TimeWindowInput) { failures(window: $w) { failedRuns } }",
               {"w": {"start": start.isoformat(), "end": AS_OF.isoformat()}})["data"]["failures"]
    assert data["failedRuns"] == sum(run[2] >= start for run in failed_runs)


QUALITY = """{ dataQuality { jobsSeen jobsNotInJobsTableCount jobsWithoutUsageCount
  jobsNotInJobsTable(first: 100) { id runs usageRecords inJobsTable job { id inJobsTable } }
  jobsWithoutUsage(first: 100) { id runs usageRecords taskRuns allPurposeTaskRuns }
  spend { total { amount } unattributedToJobs { amount } unattributedShare } } }"""


@pytest.fixture(scope="module")
def seen(workspace) -> dict[str, tuple[int, int, bool]]:
    """Per job key seen in the window: (runs, usage records, in the jobs table)."""
    rows = truth(workspace, """
        WITH r AS (SELECT workspace_id || ':' || job_id AS job, count(DISTINCT run_id) AS runs
                   FROM lakeflow.job_run_timeline WHERE period_start_time >= ? AND period_start_time < ? GROUP BY 1),
             u AS (SELECT workspace_id || ':' || usage_metadata.job_id AS job, count(*) AS records FROM billing.usage
                   WHERE usage_start_time >= ? AND usage_start_time < ? AND usage_metadata.job_id IS NOT NULL
                   GROUP BY 1),
             j AS (SELECT DISTINCT workspace_id || ':' || job_id AS job FROM lakeflow.jobs)
        SELECT coalesce(r.job, u.job), coalesce(r.runs, 0), coalesce(u.records, 0),
               coalesce(r.job, u.job) IN (SELECT job FROM j)
        FROM r FULL OUTER JOIN u ON r.job = u.job""", [START, AS_OF, START, AS_OF])
    return {job: (runs, records, listed) for job, runs, records, listed in rows}


def test_data_quality_lists_the_gaps_the_tables_show(client, workspace, seen):
    data = gql(client, QUALITY)["data"]["dataQuality"]
    assert data["jobsSeen"] == len(seen)
    missing = {job for job, (_, _, listed) in seen.items() if not listed}
    unbilled = {job for job, (runs, records, _) in seen.items() if runs and not records}
    assert {j["id"] for j in data["jobsNotInJobsTable"]} == missing
    assert data["jobsNotInJobsTableCount"] == len(missing) and missing
    assert {j["id"] for j in data["jobsWithoutUsage"]} == unbilled
    assert data["jobsWithoutUsageCount"] == len(unbilled) and unbilled
    for job in data["jobsNotInJobsTable"] + data["jobsWithoutUsage"]:
        assert (job["runs"], job["usageRecords"]) == seen[job["id"]][:2]
    few = gql(client, "{ dataQuality { jobsWithoutUsage(first: 2) { id runs } } }")["data"]["dataQuality"]
    assert few["jobsWithoutUsage"] == [{"id": j["id"], "runs": j["runs"]} for j in data["jobsWithoutUsage"][:2]]
    assert [j["runs"] for j in data["jobsWithoutUsage"]] == sorted((j["runs"] for j in data["jobsWithoutUsage"]),
                                                                   reverse=True)
    ws, aged, _ = case(workspace, "aged_out_job")
    (listed,) = [j for j in data["jobsNotInJobsTable"] if j["id"] == f"{ws}:{aged}"]
    assert listed["job"] == {"id": f"{ws}:{aged}", "inJobsTable": False}
    # The all-purpose job's usage is billed per cluster, with no job id: its runs carry none.
    ws, all_purpose, _ = case(workspace, "all_purpose_job")
    (job,) = [j for j in data["jobsWithoutUsage"] if j["id"] == f"{ws}:{all_purpose}"]
    assert job["allPurposeTaskRuns"] == job["taskRuns"] > 0


def test_unattributed_spend_is_exact_and_the_costs_figure(client, workspace):
    body = gql(client, "{ costs(window: {lastDays: 30}, groupBy: JOB) { total { amount } unattributedToJobs { amount } } "
                       + QUALITY[1:])
    spend, costs = body["data"]["dataQuality"]["spend"], body["data"]["costs"]
    assert spend["total"] == costs["total"] and spend["unattributedToJobs"] == costs["unattributedToJobs"]
    everything = amount(priced_usage_rows(workspace, START, AS_OF))
    no_job = amount(priced_usage_rows(workspace, START, AS_OF, "usage_metadata.job_id IS NULL"))
    assert Decimal(spend["total"]["amount"]) == everything.quantize(Decimal("0.000001"))
    assert Decimal(spend["unattributedToJobs"]["amount"]) == no_job.quantize(Decimal("0.000001"))
    assert spend["unattributedShare"] == pytest.approx(float(no_job / everything), rel=1e-12)


def test_statement_counts(uncached_monitor):
    with uncached_monitor.client() as client:
        def statements(query: str) -> int:
            return gql(client, query)["extensions"]["cost"]["warehouseStatements"]

        assert statements("{ failures { failedRuns byTerminationCode(first: 50) { key failedRuns } } }") == 1
        # The groups' jobs and runs: one statement each for all groups of both groupings.
        assert statements(FAILURES) == 3
        assert statements("{ dataQuality { jobsSeen spend { unattributedShare } } }") == 2
        # `costs` grouped by job over the same window is the statement dataQuality's spend reads: asked once.
        costs = "costs(window: {lastDays: 30}, groupBy: JOB) { total { amount } groups { label } }"
        assert statements("{ %s dataQuality { spend { total { amount } } } }" % costs) == \
            statements("{ %s }" % costs) + 1
        assert statements(QUALITY) == 3
