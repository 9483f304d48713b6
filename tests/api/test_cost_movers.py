"""Biggest movers, untagged spend and the unattributed share (`costInsights.movers`, `.untaggedSpend`,
`.unattributedSpend`) against independent truths from the stand-in's tables: every amount to the cent, every
ranking and listed set exactly."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from conftest import NOW, gql
from api.helpers import case, cents, priced_amounts, truth
from gql_monitor.graphql.context import window_clock

NOW5 = window_clock(NOW)
START = NOW5 - timedelta(days=30)
WINDOW = {"start": START.isoformat(), "end": NOW5.isoformat()}
JOB_KEY = "workspace_id || ':' || usage_metadata.job_id"
IN_SPAN = "usage_start_time >= ? AND usage_start_time < ?"


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def billed_through(workspace) -> datetime:
    return truth(workspace, "SELECT max(usage_end_time) FROM billing.usage")[0][0]


# -- biggest movers ------------------------------------------------------------------------------------------------

def expected_moves(workspace, days: int, key_sql: str, where: str = "TRUE") -> dict:
    """{key: (current, previous)} over [now − days, now) and the `days` before, each row priced independently."""
    current_start, previous_start = NOW5 - timedelta(days=days), NOW5 - timedelta(days=2 * days)
    current = priced_amounts(workspace, key_sql, f"({where}) AND {IN_SPAN}", [current_start, NOW5])
    previous = priced_amounts(workspace, key_sql, f"({where}) AND {IN_SPAN}", [previous_start, current_start])
    return {k: (current.get(k, Decimal(0)), previous.get(k, Decimal(0))) for k in {*current, *previous}}


def ranking(moves: dict, rising: bool) -> list:
    """Keys by change, the largest rise (or fall) first, then by key with the no-value group last."""
    changed = [(k, c - p) for k, (c, p) in moves.items() if (c - p > 0 if rising else c - p < 0)]
    return [k for k, _ in sorted(changed, key=lambda kc: (-kc[1] if rising else kc[1], kc[0] is None, kc[0] or ""))]


MOVERS = """query($p: MoverPeriod!, $t: String, $n: Int!) { costInsights(tagKey: $t) { movers(period: $p) {
  period current { start end } previous { start end } billedThrough complete
  total { current { amount } previous { amount } change { amount } changeRatio }
  unattributed { current { amount } previous { amount } change { amount } changeRatio }
  up(first: $n) { ...move jobId tagValue job { id } }
  down(first: $n) { ...move jobId tagValue job { id } }
  tagValuesUp(first: $n) { ...move jobId tagValue }
  tagValuesDown(first: $n) { ...move jobId tagValue } } } }
fragment move on SpendMover { current { amount currency } previous { amount } change { amount } changeRatio }"""


def check_move(got: dict, current: Decimal, previous: Decimal):
    assert cents(got["current"]["amount"]) == cents(current)
    assert cents(got["previous"]["amount"]) == cents(previous)
    assert cents(got["change"]["amount"]) == cents(current - previous)
    if previous:
        assert got["changeRatio"] == pytest.approx(float((current - previous) / previous), rel=1e-9)
    else:
        assert got["changeRatio"] is None


@pytest.mark.parametrize("period, days", [("WEEK", 7), ("MONTH", 30)])
def test_job_movers_are_the_independently_ranked_changes_to_the_cent(client, workspace, period, days):
    data = gql(client, MOVERS, {"p": period, "n": 100})["data"]["costInsights"]["movers"]
    assert data["period"] == period
    assert data["current"] == {"start": (NOW5 - timedelta(days=days)).isoformat(), "end": NOW5.isoformat()}
    assert data["previous"] == {"start": (NOW5 - timedelta(days=2 * days)).isoformat(),
                                "end": (NOW5 - timedelta(days=days)).isoformat()}
    billed = billed_through(workspace)
    # Billing lags about an hour behind now in the synthetic workspace: the current period is not fully billed.
    assert datetime.fromisoformat(data["billedThrough"]) == billed < NOW5 and data["complete"] is False
    (total,) = expected_moves(workspace, days, "'all'").values()
    check_move(data["total"], *total)
    unattributed = expected_moves(workspace, days, "'none'", "usage_metadata.job_id IS NULL")["none"]
    check_move(data["unattributed"], *unattributed)

    jobs = expected_moves(workspace, days, JOB_KEY, "usage_metadata.job_id IS NOT NULL")
    up, down = ranking(jobs, rising=True), ranking(jobs, rising=False)
    # The synthetic workspace keeps 30 days of usage: the month before the last 30 days holds only its first hour,
    # so month over month every job with spend is up and none is down.
    assert up and (bool(down) is (period == "WEEK"))
    assert [m["jobId"] for m in data["up"]] == up[:100]
    assert [m["jobId"] for m in data["down"]] == down[:100]
    for mover in data["up"] + data["down"]:
        check_move(mover, *jobs[mover["jobId"]])
        assert mover["tagValue"] is None and mover["current"]["currency"] == "USD"
    # Jobs still in the jobs table are named; the rest are known by their usage's job id alone.
    assert all(m["job"] is None or m["job"]["id"] == m["jobId"] for m in data["up"] + data["down"])
    assert data["tagValuesUp"] == [] and data["tagValuesDown"] == []


def test_a_small_first_cuts_the_same_ranking(client, workspace):
    data = gql(client, MOVERS, {"p": "WEEK", "n": 3})["data"]["costInsights"]["movers"]
    jobs = expected_moves(workspace, 7, JOB_KEY, "usage_metadata.job_id IS NOT NULL")
    assert [m["jobId"] for m in data["up"]] == ranking(jobs, rising=True)[:3]
    assert [m["jobId"] for m in data["down"]] == ranking(jobs, rising=False)[:3]


@pytest.mark.parametrize("tag_key", ["team", "domain"])
def test_tag_value_movers_keep_the_usage_without_the_tag_as_a_group(client, workspace, tag_key):
    data = gql(client, MOVERS, {"p": "WEEK", "t": tag_key, "n": 100})["data"]["costInsights"]["movers"]
    tags = expected_moves(workspace, 7, f"custom_tags['{tag_key}']")
    assert None in tags, "usage without the tag (SQL warehouses, untagged jobs, ...) exists"
    got_up, got_down = data["tagValuesUp"], data["tagValuesDown"]
    assert [m["tagValue"] for m in got_up] == ranking(tags, rising=True)
    assert [m["tagValue"] for m in got_down] == ranking(tags, rising=False)
    assert None in [m["tagValue"] for m in got_up + got_down]
    for mover in got_up + got_down:
        check_move(mover, *tags[mover["tagValue"]])
        assert mover["jobId"] is None
    # Every group together is the account: nothing dropped, the no-value group included.
    unchanged = [k for k, (c, p) in tags.items() if c == p]
    assert len(got_up) + len(got_down) + len(unchanged) == len(tags)
    assert cents(sum(Decimal(m["current"]["amount"]) for m in got_up + got_down)
                 + sum(tags[k][0] for k in unchanged)) == cents(data["total"]["current"]["amount"])


# -- untagged spend ------------------------------------------------------------------------------------------------

UNTAGGED = """query($w: TimeWindowInput, $t: String) { costInsights(window: $w, tagKey: $t) { untaggedSpend {
  jobSpend { amount } untagged { amount } untaggedShare tagKey withoutTagKey { amount } withoutTagKeyShare
  billedThrough complete
  jobs(first: 100) { jobId job { id name tags { key } } spend { amount } jobSpend { amount } share }
  jobsWithoutTagKey(first: 100) { jobId spend { amount } jobSpend { amount } share } } } }"""
NO_TAGS = "(custom_tags IS NULL OR cardinality(custom_tags) = 0)"


def job_amounts(workspace, where: str = "TRUE") -> dict:
    return priced_amounts(workspace, JOB_KEY, f"usage_metadata.job_id IS NOT NULL AND ({where}) AND {IN_SPAN}",
                          [START, NOW5])


def ranked_jobs(amounts: dict) -> list:
    return [k for k, a in sorted(amounts.items(), key=lambda ka: (-ka[1], ka[0])) if a > 0]


def test_untagged_spend_reconciles_to_the_cent_and_lists_the_planted_untagged_job(client, workspace):
    data = gql(client, UNTAGGED, {"w": WINDOW})["data"]["costInsights"]["untaggedSpend"]
    spend, untagged = job_amounts(workspace), job_amounts(workspace, NO_TAGS)
    job_spend, untagged_spend = sum(spend.values()), sum(untagged.values())
    assert cents(data["jobSpend"]["amount"]) == cents(job_spend)
    assert cents(data["untagged"]["amount"]) == cents(untagged_spend) > 0
    assert data["untaggedShare"] == pytest.approx(float(untagged_spend / job_spend), rel=1e-9)
    assert data["tagKey"] is None and data["withoutTagKey"] is None and data["withoutTagKeyShare"] is None
    assert data["jobsWithoutTagKey"] == []
    assert data["billedThrough"] and data["complete"] is False

    assert [j["jobId"] for j in data["jobs"]] == ranked_jobs(untagged)
    for job in data["jobs"]:
        assert cents(job["spend"]["amount"]) == cents(untagged[job["jobId"]])
        assert cents(job["jobSpend"]["amount"]) == cents(spend[job["jobId"]])
        assert job["share"] == pytest.approx(float(untagged[job["jobId"]] / spend[job["jobId"]]), rel=1e-9)
    ws, job_id, _ = case(workspace, "untagged_job")
    planted = next(j for j in data["jobs"] if j["jobId"] == f"{ws}:{job_id}")
    assert planted["share"] == 1.0 and planted["job"]["tags"] == []
    # Precision: a job is listed only when its usage really carried no tag; the generator leaves a job's usage
    # untagged exactly when the job has no tags (its plan is untagged), whatever version of its tags.
    tagless = {f"{w}:{j}" for w, j in truth(workspace, """
        SELECT workspace_id, job_id FROM lakeflow.jobs GROUP BY ALL HAVING max(cardinality(tags)) = 0""")}
    assert {j["jobId"] for j in data["jobs"]} <= tagless


def test_spend_without_a_tag_key_includes_untagged_usage(client, workspace):
    data = gql(client, UNTAGGED, {"w": WINDOW, "t": "domain"})["data"]["costInsights"]["untaggedSpend"]
    spend, missing = job_amounts(workspace), job_amounts(workspace, "custom_tags['domain'] IS NULL")
    untagged = job_amounts(workspace, NO_TAGS)
    assert data["tagKey"] == "domain"
    assert cents(data["withoutTagKey"]["amount"]) == cents(sum(missing.values()))
    assert data["withoutTagKeyShare"] == pytest.approx(float(sum(missing.values()) / sum(spend.values())), rel=1e-9)
    assert sum(untagged.values()) < sum(missing.values()) < sum(spend.values())
    listed = data["jobsWithoutTagKey"]
    assert [j["jobId"] for j in listed] == ranked_jobs(missing)[:100]
    for job in listed:
        assert cents(job["spend"]["amount"]) == cents(missing[job["jobId"]])
        assert cents(job["jobSpend"]["amount"]) == cents(spend[job["jobId"]])
    ws, job_id, _ = case(workspace, "untagged_job")
    assert f"{ws}:{job_id}" in ranked_jobs(missing)
    # The untagged list does not depend on the tag key.
    assert [j["jobId"] for j in data["jobs"]] == ranked_jobs(untagged)


# -- the unattributed share ----------------------------------------------------------------------------------------

UNATTRIBUTED = """query($w: TimeWindowInput!) {
  costInsights(window: $w) { unattributedSpend { total { amount } unattributed { amount } share billedThrough complete
                                                 days { day total { amount } unattributed { amount } share } } }
  costs(window: $w, groupBy: JOB) { total { amount } unattributedToJobs { amount } billedThrough }
  dataQuality(window: $w) { spend { total { amount } unattributedToJobs { amount } unattributedShare } } }"""


@pytest.mark.parametrize("window", [WINDOW, {"start": "2026-11-03T06:30:00+00:00", "end": "2026-11-09T18:00:00+00:00"}])
def test_the_unattributed_share_and_its_daily_trend_reconcile_with_costs_and_data_quality(client, workspace, window):
    start, end = (datetime.fromisoformat(window[k]) for k in ("start", "end"))
    data = gql(client, UNATTRIBUTED, {"w": window})["data"]
    got = data["costInsights"]["unattributedSpend"]
    # The same money as costs(groupBy: JOB) and dataQuality.spend, digit for digit.
    assert got["total"] == data["costs"]["total"] == data["dataQuality"]["spend"]["total"]
    assert got["unattributed"] == data["costs"]["unattributedToJobs"] == \
        data["dataQuality"]["spend"]["unattributedToJobs"]
    assert got["share"] == data["dataQuality"]["spend"]["unattributedShare"]
    assert got["billedThrough"] == data["costs"]["billedThrough"]
    # And against the tables, per UTC day (the window's part of its first and last day).
    total = priced_amounts(workspace, "usage_date", IN_SPAN, [start, end])
    none = priced_amounts(workspace, "usage_date", f"usage_metadata.job_id IS NULL AND {IN_SPAN}", [start, end])
    days = [start.date()]
    while datetime.combine(days[-1] + timedelta(days=1), time(), tzinfo=timezone.utc) < end:
        days.append(days[-1] + timedelta(days=1))
    assert [d["day"] for d in got["days"]] == [d.isoformat() for d in days]
    for day, row in zip(days, got["days"]):
        t, u = total.get(day, Decimal(0)), none.get(day, Decimal(0))
        assert (cents(row["total"]["amount"]), cents(row["unattributed"]["amount"])) == (cents(t), cents(u))
        assert row["share"] == (pytest.approx(float(u / t), rel=1e-9) if t else None)
    assert cents(got["total"]["amount"]) == cents(sum(total.values()))
    assert cents(got["unattributed"]["amount"]) == cents(sum(none.values())) > 0
    assert got["share"] == pytest.approx(float(sum(none.values()) / sum(total.values())), rel=1e-9)
    assert got["complete"] is (datetime.fromisoformat(got["billedThrough"]) >= end)


def test_days_after_billing_have_no_share(client, workspace):
    """A window ending now: today's hours after billedThrough are not billed, and a day with no spend at all has a
    share of null, not 0."""
    window = {"start": (NOW5 - timedelta(days=2)).isoformat(), "end": (NOW5 + timedelta(days=0)).isoformat()}
    got = gql(client, UNATTRIBUTED, {"w": window})["data"]["costInsights"]["unattributedSpend"]
    assert len(got["days"]) == 3 and got["complete"] is False
    assert all(d["share"] is not None for d in got["days"])  # billing covers part of every day of this window
    later = {"start": datetime.combine(NOW5.date(), time(11), tzinfo=timezone.utc).isoformat(),
             "end": NOW5.isoformat()}
    got = gql(client, UNATTRIBUTED, {"w": later})["data"]["costInsights"]["unattributedSpend"]
    assert [d["share"] for d in got["days"]] == [None] and got["share"] is None
    assert Decimal(got["total"]["amount"]) == 0


# -- statements and bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, statements", [
    ("{ costInsights { movers { up { change { amount } } } } }", 1),
    ('{ costInsights(tagKey: "team") { movers(period: MONTH) { total { change { amount } } '
     "tagValuesDown { tagValue } } } }", 1),
    # The jobs named: one statement more for all of them.
    ("{ costInsights { movers { up(first: 100) { job { name } } down(first: 100) { job { name } } } } }", 2),
    ("{ costInsights { week: movers(period: WEEK) { complete } month: movers(period: MONTH) { complete } } }", 2),
    ('{ costInsights(tagKey: "team") { untaggedSpend { untagged { amount } jobsWithoutTagKey { share } } } }', 1),
    ("{ costInsights { untaggedSpend { jobs(first: 100) { job { name } } } } }", 2),
    ("{ costInsights { unattributedSpend { share days { share } } } }", 1),
    # The JOB grouping of `costs` and `dataQuality.spend` over the same window share the statement; the groups'
    # jobs are named (one statement more) only when the groups are asked for; with dataQuality, the other one is
    # dataQuality's own.
    ("{ costs(groupBy: JOB, window: {lastDays: 30}) { total { amount } } }", 1),
    ("{ costs(groupBy: JOB, window: {lastDays: 30}) { groups { label } } }", 2),
    ("{ costs(groupBy: JOB, window: {lastDays: 30}) { total { amount } } "
     "costInsights { unattributedSpend { share } } }", 1),
    ("{ dataQuality { spend { unattributedShare } } costInsights { unattributedSpend { share } } }", 2),
    ("{ costInsights { movers { complete } untaggedSpend { complete } unattributedSpend { complete } } }", 3),
])
def test_each_new_section_costs_its_own_statement(uncached_monitor, query, statements):
    with uncached_monitor.client() as c:
        body = gql(c, query)
        assert body["extensions"]["cost"]["warehouseStatements"] == statements


@pytest.mark.parametrize("query", [
    "{ costInsights { movers(period: YEAR) { complete } } }",
    '{ costInsights { movers(period: "WEEK") { complete } } }',
    "{ costInsights { movers(period: null) { complete } } }",
    "{ costInsights { movers(period: week) { complete } } }",
    "{ costInsights { movers { up(first: 0) { jobId } } } }",
    "{ costInsights { movers { down(first: 101) { jobId } } } }",
    "{ costInsights { movers { tagValuesUp(first: -1) { tagValue } } } }",
    "{ costInsights { movers { tagValuesDown(first: 1000) { tagValue } } } }",
    "{ costInsights { movers { up(first: 1.5) { jobId } } } }",
    "{ costInsights { untaggedSpend { jobs(first: 0) { jobId } } } }",
    '{ costInsights(tagKey: "team") { untaggedSpend { jobsWithoutTagKey(first: 101) { jobId } } } }',
])
def test_bad_arguments_are_bad_user_input(client, query):
    body = client.post("/api/graphql", json={"query": query}).json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body


@pytest.mark.parametrize("value", ["week", "YEAR", "", "WEEK; DROP TABLE x", 7, None, ["WEEK"]])
def test_a_bad_period_variable_is_bad_user_input(client, value):
    body = client.post("/api/graphql", json={
        "query": "query($p: MoverPeriod!) { costInsights { movers(period: $p) { complete } } }",
        "variables": {"p": value}}).json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body
