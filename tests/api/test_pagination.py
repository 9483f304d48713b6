"""Keyset pagination: every item once, in order, and stable when new runs arrive between pages."""

from __future__ import annotations

from datetime import timedelta


from conftest import NOW, RunningMonitor, gql, monitor_settings

RUNS = """query($after: String, $w: TimeWindowInput) { runs(first: 7, after: $after, window: $w) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id startTime } } } }"""
WINDOW = {"start": (NOW - timedelta(days=2)).isoformat(), "end": (NOW + timedelta(hours=1)).isoformat()}


def walk(client, query, key, variables, limit=500):
    seen, after = [], None
    for _ in range(limit):
        page = gql(client, query, {**variables, "after": after})["data"][key]
        seen.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return seen, page["totalCount"]
        assert page["edges"][-1]["cursor"] == page["pageInfo"]["endCursor"]
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("did not finish")


def test_jobs_pages_cover_every_job_once_in_name_order(monitor):
    with monitor.client() as client:
        query = """query($after: String) { jobs(first: 13, after: $after) { totalCount
            pageInfo { hasNextPage endCursor } edges { cursor node { id name } } } }"""
        jobs, total = walk(client, query, "jobs", {})
    assert len(jobs) == total == len({j["id"] for j in jobs})
    names = [(j["name"] or "").lower() for j in jobs]
    assert names == sorted(names)


def test_runs_pages_are_newest_first_without_gaps(monitor):
    with monitor.client() as client:
        runs, total = walk(client, RUNS, "runs", {"w": WINDOW})
    assert len(runs) == total == len({r["id"] for r in runs}) > 7
    starts = [r["startTime"] for r in runs]
    assert starts == sorted(starts, reverse=True)


def test_a_page_stays_correct_when_new_runs_arrive(private_workspace):
    # No answer cache here: the test is about the keyset, and wants the new run visible at once.
    with RunningMonitor(monitor_settings(private_workspace, table_cache_seconds=0)) as mon, mon.client() as client:
        first = gql(client, RUNS, {"w": WINDOW, "after": None})["data"]["runs"]
        cursor = first["pageInfo"]["endCursor"]
        expected_next = gql(client, RUNS, {"w": WINDOW, "after": cursor})["data"]["runs"]["edges"]
        # A run newer than anything on the first page lands in the tables.
        private_workspace.state.db.execute(
            "INSERT INTO lakeflow.job_run_timeline (account_id, workspace_id, job_id, run_id, period_start_time, "
            "period_end_time, result_state, run_type, trigger_type) SELECT account_id, workspace_id, job_id, "
            "'999999999', ?, ?, 'SUCCEEDED', 'JOB_RUN', 'CRON' FROM lakeflow.job_run_timeline LIMIT 1",
            [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)],
        )
        again = gql(client, RUNS, {"w": WINDOW, "after": cursor})["data"]["runs"]
        assert [e["node"]["id"] for e in again["edges"]] == [e["node"]["id"] for e in expected_next]
        assert again["totalCount"] == first["totalCount"] + 1
        top = gql(client, RUNS, {"w": WINDOW, "after": None})["data"]["runs"]["edges"][0]["node"]["id"]
        assert top.endswith(":999999999")
