"""`jobs(filter: {tags})`: every tag must match, by key alone or by key and value, against the jobs' latest tags."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import gql
from api.helpers import truth

QUERY = "query($tags: [TagFilter!]) { jobs(first: 100, filter: {tags: $tags}) { totalCount nodes { id } } }"


@pytest.fixture(scope="module")
def client(monitor):
    with monitor.client() as c:
        yield c


@pytest.fixture(scope="module")
def latest_tags(workspace) -> dict[str, dict]:
    """Each listed (not deleted) job's tags in its latest version of the jobs table."""
    rows = truth(workspace, "SELECT workspace_id || ':' || job_id, tags, delete_time FROM lakeflow.jobs "
                            "QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1")
    return {job: dict(tags or {}) for job, tags, deleted in rows if deleted is None}


def _matching(latest_tags: dict[str, dict], wanted: list[dict]) -> set[str]:
    return {
        job for job, tags in latest_tags.items()
        if all(tags.get(t["key"]) is not None and t.get("value") in (None, tags[t["key"]]) for t in wanted)
    }


def _listed(client, wanted: list[dict]) -> tuple[int, set[str]]:
    jobs = gql(client, QUERY, {"tags": wanted})["data"]["jobs"]
    return jobs["totalCount"], {node["id"] for node in jobs["nodes"]}


def _check(client, latest_tags, wanted: list[dict]) -> set[str]:
    expected = _matching(latest_tags, wanted)
    total, ids = _listed(client, wanted)
    assert total == len(expected), wanted
    assert ids <= expected and len(ids) == min(100, len(expected)), wanted
    return expected


def test_tag_filters_match_by_key_by_value_and_all_together(client, latest_tags):
    pairs = Counter((k, v) for tags in latest_tags.values() for k, v in tags.items() if v is not None)
    (key1, value1), _ = pairs.most_common(1)[0]
    with_value1 = _matching(latest_tags, [{"key": key1, "value": value1}])
    # A second key some but not all of those jobs carry.
    key2 = next(k for (k, _), _ in pairs.most_common()
                if 0 < len(_matching(latest_tags, [{"key": k}]) & with_value1) < len(with_value1))
    other_value = next(v for (k, v) in pairs if k == key1 and v != value1)

    by_key = _check(client, latest_tags, [{"key": key1}])
    by_value = _check(client, latest_tags, [{"key": key1, "value": value1}])
    assert by_value and by_value < by_key, "the value must narrow the key"
    both = _check(client, latest_tags, [{"key": key1, "value": value1}, {"key": key2}])
    assert both and both < by_value, "a second tag must narrow the first"
    assert _check(client, latest_tags, [{"key": key1, "value": value1}, {"key": key2}, {"key": key1}]) == both
    # One key, two values: no job carries both.
    assert _listed(client, [{"key": key1, "value": value1}, {"key": key1, "value": other_value}]) == (0, set())
    assert _listed(client, [{"key": "no such tag key"}]) == (0, set())
