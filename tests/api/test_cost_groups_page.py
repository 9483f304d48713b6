"""`costs.groups(first)`: a page of the most expensive groups, the unattributed one always after them, so a large
account's thousands of jobs are one page of labels and figures rather than all of them (bench/results.md, "Scale")."""

from __future__ import annotations

import pytest

from conftest import gql

GROUPS = """
query Groups($first: Int) {
  costs(groupBy: JOB, window: {lastDays: 30}) {
    total { amount }
    groupCount
    groups(first: $first) { key label unattributed cost { listCost { amount } dbus } }
  }
}
"""


def test_a_page_of_groups_is_the_head_of_all_of_them_with_the_unattributed_group_last(monitor):
    with monitor.client() as client:
        every = gql(client, GROUPS)["data"]["costs"]
        page = gql(client, GROUPS, {"first": 5})["data"]["costs"]
    attributed = [g for g in every["groups"] if not g["unattributed"]]
    unattributed = [g for g in every["groups"] if g["unattributed"]]
    assert len(attributed) > 5 and len(unattributed) == 1, "the window must hold more jobs than the page"
    assert every["groupCount"] == page["groupCount"] == len(every["groups"])
    assert page["groups"] == attributed[:5] + unattributed
    amounts = [float(g["cost"]["listCost"]["amount"]) for g in page["groups"][:5]]
    assert amounts == sorted(amounts, reverse=True)
    assert all(g["label"] and g["label"] != g["key"] for g in page["groups"][:5]), "jobs are named by their names"


def test_a_page_costs_less_than_every_group(monitor):
    with monitor.client() as client:
        every = gql(client, GROUPS)["extensions"]["cost"]["queryCost"]
        page = gql(client, GROUPS, {"first": 5})["extensions"]["cost"]["queryCost"]
    assert page < every / 10


def test_a_pages_figures_per_sku_and_day_add_up_to_its_amount(monitor):
    query = """{ costs(groupBy: JOB, window: {lastDays: 30}) { groups(first: 3) {
                   cost { listCost { amount } bySku { listCost { amount } } daily { listCost { amount } } } } } }"""
    with monitor.client() as client:
        groups = gql(client, query)["data"]["costs"]["groups"]
    for group in groups:
        amount = float(group["cost"]["listCost"]["amount"])
        assert group["cost"]["bySku"] and group["cost"]["daily"]
        for part in ("bySku", "daily"):
            assert sum(float(p["listCost"]["amount"]) for p in group["cost"][part]) == pytest.approx(amount, abs=1e-4)


@pytest.mark.parametrize("first, code", [(0, "BAD_USER_INPUT"), (-1, "BAD_USER_INPUT"), (1001, "BAD_USER_INPUT"),
                                         # Refused by its cost before it runs.
                                         (2**31 - 1, "QUERY_TOO_COMPLEX")])
def test_a_page_size_out_of_range_is_refused(monitor, first, code):
    with monitor.client() as client:
        body = gql(client, GROUPS, {"first": first}, expect_errors=True)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert body["data"] is None or body["data"] == {"costs": None}
