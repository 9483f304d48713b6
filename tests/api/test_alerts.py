"""The root `alerts` list as a whole: every rule's findings in one order, paged with cursors, filtered by severity and
kind, the planted cases all present, and the Attention page's operation in a fixed number of statements. Each rule's
own evidence and precision are tested with the rule (test_job_health.py, test_durations_slas_schedules.py,
test_cost_insights.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import gql
from api.helpers import case

ROOT = Path(__file__).resolve().parents[2]
SEVERITY_RANK = {"CRITICAL": 0, "WARNING": 1, "INFO": 2}
WEEK = {"lastDays": 7}
MONTH = {"lastDays": 30}
ALL = """query($w: TimeWindowInput, $first: Int!, $after: String, $s: [AlertSeverity!], $k: [AlertKind!]) {
  alerts(first: $first, after: $after, window: $w, severity: $s, kinds: $k) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id kind severity startedAt job { id } } } } }"""
# Where the generator planted each case (workspace_state.cases) and the alert it must raise in the last 30 days.
PLANTED = [
    ("failing_streak", "FAILING_STREAK"),
    ("flaky_job", "LOW_SUCCESS_RATE"),
    ("duration_regression", "DURATION_REGRESSION"),
    ("late_start", "LATE_START"),
    ("missed_schedule", "MISSED_SCHEDULE"),
    ("all_purpose_job", "ALL_PURPOSE_COMPUTE"),
    ("long_run", "SLA_AT_RISK"),
]


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


def everything(client, window=MONTH, **filters) -> dict:
    return gql(client, ALL, {"w": window, "first": 100, **filters})["data"]["alerts"]


def test_alerts_come_most_severe_first_then_newest(client):
    alerts = [edge["node"] for edge in everything(client)["edges"]]
    assert len(alerts) > 10
    keys = [(SEVERITY_RANK[a["severity"]], a["startedAt"] or "") for a in alerts]
    for (rank, started), (next_rank, next_started) in zip(keys, keys[1:]):
        assert rank < next_rank or (rank == next_rank and started >= next_started)
    assert len({a["id"] for a in alerts}) == len(alerts), "ids are unique"


@pytest.mark.parametrize("name, kind", PLANTED)
def test_every_planted_case_raises_its_alert(client, workspace, name, kind):
    workspace_id, job_id, _ = case(workspace, name, home=True)
    alerts = everything(client, k=[kind])["edges"]
    assert f"{workspace_id}:{job_id}" in {edge["node"]["job"]["id"] for edge in alerts if edge["node"]["job"]}


def test_paging_with_cursors_walks_the_whole_list_once(client):
    whole = everything(client)
    seen, after = [], None
    while True:
        page = gql(client, ALL, {"w": MONTH, "first": 7, "after": after})["data"]["alerts"]
        assert page["totalCount"] == whole["totalCount"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [edge["node"]["id"] for edge in whole["edges"]]
    assert len(seen) == whole["totalCount"]


def test_severity_and_kind_filters_keep_exactly_what_they_name(client):
    whole = [edge["node"] for edge in everything(client)["edges"]]
    for severity in SEVERITY_RANK:
        got = everything(client, s=[severity])
        assert [a["id"] for a in (e["node"] for e in got["edges"])] == [a["id"] for a in whole if a["severity"] == severity]
        assert got["totalCount"] == sum(a["severity"] == severity for a in whole)
    kinds = sorted({a["kind"] for a in whole})[:2]
    got = everything(client, k=kinds)
    assert [e["node"]["id"] for e in got["edges"]] == [a["id"] for a in whole if a["kind"] in kinds]
    # Empty lists filter nothing, as documented.
    assert everything(client, s=[], k=[])["totalCount"] == len(whole)


@pytest.mark.parametrize("after", ["not a cursor", "eyJ4IjoxfQ", "YWxlcnQ", "x" * 5000, "\u0000"])
def test_a_forged_or_stale_cursor_is_bad_user_input(client, after):
    body = gql(client, ALL, {"w": MONTH, "first": 5, "after": after}, expect_errors=True)
    assert body["data"] is None or body["data"]["alerts"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("variables, message", [
    ({"first": 0}, "`first`"), ({"first": 101}, "`first`"),
    ({"first": 5, "w": {"lastDays": 0}}, "lastDays"), ({"first": 5, "k": ["NO_SUCH_KIND"]}, "AlertKind"),
    ({"first": 5, "s": ["LOUD"]}, "AlertSeverity"),
])
def test_bad_arguments_are_bad_user_input(client, variables, message):
    body = gql(client, ALL, {"w": MONTH, **variables}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in body["errors"][0]["message"]


def _attention_document() -> str:
    fragments = ["NextPage", "JobRef"]
    return (ROOT / "web/src/graphql/Alerts.graphql").read_text() + "\n" + "\n".join(
        (ROOT / f"web/src/graphql/fragments/{name}.graphql").read_text() for name in fragments)


def test_the_attention_page_costs_a_fixed_number_of_statements(uncached_monitor):
    """The page's operation as the UI sends it: the list, the alerts' jobs and runs, and three severity counts
    (aliases of the same rules, asked once)."""
    with uncached_monitor.client() as client:
        for window in (WEEK, MONTH):
            body = gql(client, _attention_document(), {"window": window, "first": 25})
            assert body["data"]["alerts"]["totalCount"] == sum(
                body["data"][severity]["totalCount"] for severity in ("critical", "warning", "info"))
            # 8 for the rules of every kind (health 1, durations 1, SLAs 2, schedules 1, cost anomalies 1, all-purpose
            # compute 1, spend spikes 1), the alerts' jobs 1 and their runs 1, whatever the window and however many
            # alerts.
            assert body["extensions"]["cost"]["warehouseStatements"] == 10, window
