"""The stand-in's Permissions API for jobs, driven by the real databricks-sdk (`WorkspaceClient.permissions`): the
access control list as Databricks shapes it, derived from the stand-in's own job facts, who may read it, its errors,
and its throttle as a fault setting."""

from __future__ import annotations

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.core import Config
from databricks.sdk.service.iam import PermissionLevel

from api.helpers import case, truth


def client(ws, token: str = "local-admin") -> WorkspaceClient:
    return WorkspaceClient(config=Config(host=ws.base_url, token=token, auth_type="pat", retry_timeout_seconds=2,
                                         http_timeout_seconds=5))


def levels(permissions) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for entry in permissions.access_control_list:
        name = entry.user_name or entry.group_name or entry.service_principal_name
        out[name] = {p.permission_level.value for p in entry.all_permissions}
    return out


def test_a_jobs_list_names_its_owner_its_viewers_and_the_admins(workspace):
    _, job_id, _ = case(workspace, "analyst_visible_job", home=True)
    (creator,) = truth(workspace, "SELECT creator_user_name FROM workspace_state.jobs WHERE job_id = ?", [int(job_id)])[0]
    viewers = {u for (u,) in truth(workspace, "SELECT user_name FROM workspace_state.job_acl WHERE job_id = ?",
                                   [int(job_id)])} - {creator}
    got = client(workspace).permissions.get(request_object_type="jobs", request_object_id=job_id)
    assert (got.object_id, got.object_type) == (f"/jobs/{job_id}", "job")
    assert levels(got) == {creator: {"IS_OWNER"}, **{v: {"CAN_VIEW"} for v in viewers}, "admins": {"CAN_MANAGE"}}
    assert "analyst@example.com" in viewers
    admins = next(e for e in got.access_control_list if e.group_name == "admins").all_permissions[0]
    assert admins.inherited and admins.inherited_from_object == ["/jobs/"]
    assert admins.permission_level is PermissionLevel.CAN_MANAGE


def test_every_home_job_has_a_readable_list_with_one_owner(workspace):
    admin = client(workspace)
    jobs = [str(j) for (j,) in truth(workspace, "SELECT job_id FROM workspace_state.jobs ORDER BY job_id LIMIT 15")]
    for job_id in jobs:
        owners = [n for n, lv in levels(admin.permissions.get("jobs", job_id)).items() if "IS_OWNER" in lv]
        assert len(owners) == 1, job_id


def test_a_user_reads_only_the_lists_of_jobs_they_own(workspace):
    _, job_id, _ = case(workspace, "analyst_visible_job", home=True)
    with pytest.raises(sdk_errors.PermissionDenied, match="does not have Manage permissions on Job"):
        client(workspace, "local-analyst").permissions.get("jobs", job_id)


@pytest.mark.parametrize("job_id, error", [
    ("999999999999", sdk_errors.NotFound), ("not-a-job", sdk_errors.InvalidParameterValue),
    ("1" * 40, sdk_errors.InvalidParameterValue),
])
def test_unknown_and_malformed_job_ids_get_databricks_errors(workspace, job_id, error):
    with pytest.raises(error):
        client(workspace).permissions.get("jobs", job_id)


def test_without_a_token_the_list_is_not_given(workspace):
    with pytest.raises(sdk_errors.Unauthenticated):
        client(workspace, "no-such-token").permissions.get("jobs", "1")


def test_the_permission_throttle_is_a_fault_setting(workspace, faults):
    _, job_id, _ = case(workspace, "analyst_visible_job", home=True)
    faults.update({"permissions_api_429_rate": 1})
    before = faults.injected()
    with pytest.raises((sdk_errors.TooManyRequests, TimeoutError)):
        client(workspace).permissions.get("jobs", job_id)
    # The SDK retried the throttled read within its budget: every answer it got was a 429.
    assert (faults.injected() - before)["permissions_api_429"] >= 2
    faults.update({"permissions_api_429_rate": 0})
    assert levels(client(workspace).permissions.get("jobs", job_id))["admins"] == {"CAN_MANAGE"}


def expected_acl(workspace, job_id: int) -> dict[str, str]:
    """The job's list from the raw rows: the IS_OWNER grant else the creator, job_acl users CAN_VIEW, every other
    grant at its level, and the admins."""
    (creator,) = truth(workspace, "SELECT creator_user_name FROM workspace_state.jobs WHERE job_id = ?", [job_id])[0]
    grants = truth(workspace, "SELECT principal_name, permission_level FROM workspace_state.job_grants "
                              "WHERE job_id = ?", [job_id])
    owner = next((name for name, level in grants if level == "IS_OWNER"), creator)
    out = {u: "CAN_VIEW" for (u,) in truth(workspace, "SELECT user_name FROM workspace_state.job_acl WHERE job_id = ?",
                                            [job_id])}
    out.update({name: level for name, level in grants if level != "IS_OWNER"})
    return {**out, owner: "IS_OWNER", "admins": "CAN_MANAGE"}


def test_group_grants_are_listed_by_group_name_at_their_level(workspace):
    team = [int(j) for (j,) in truth(workspace, "SELECT job_id FROM workspace_state.cases "
                                                "WHERE case_name = 'team_visible_job' ORDER BY job_id")]
    grant_levels = {level for (level,) in truth(workspace, "SELECT DISTINCT permission_level "
                                                           "FROM workspace_state.job_grants WHERE principal_kind = 'group'")}
    assert len(team) >= 3 and grant_levels <= {"CAN_VIEW", "CAN_MANAGE_RUN"}
    admin = client(workspace)
    for job_id in team:
        got = admin.permissions.get("jobs", str(job_id))
        flat = {name: lv.pop() for name, lv in levels(got).items()}
        assert flat == expected_acl(workspace, job_id)
        group = next(e for e in got.access_control_list if e.group_name == "data-eng")
        assert group.user_name is None and group.service_principal_name is None
        assert not group.all_permissions[0].inherited
        assert flat["data-eng"] in ("CAN_VIEW", "CAN_MANAGE_RUN")


def test_the_owner_a_job_passed_to_reads_its_list_and_no_other(workspace):
    _, owned, _ = case(workspace, "owned_by_owner", home=True)
    _, other, _ = case(workspace, "team_visible_job", home=True)
    (creator,) = truth(workspace, "SELECT creator_user_name FROM workspace_state.jobs WHERE job_id = ?",
                       [int(owned)])[0]
    owner = client(workspace, "local-owner")
    got = owner.permissions.get("jobs", owned)
    flat = {name: lv.pop() for name, lv in levels(got).items()}
    assert flat == expected_acl(workspace, int(owned))
    assert flat["owner@example.com"] == "IS_OWNER" and [n for n, lv in flat.items() if lv == "IS_OWNER"] == [
        "owner@example.com"]
    # The creator no longer owns it: they keep the view their ACL row gives them (a service principal has none).
    assert flat.get(creator) in (None, "CAN_VIEW")
    with pytest.raises(sdk_errors.PermissionDenied, match=f"does not have Manage permissions on Job with id {other}"):
        owner.permissions.get("jobs", other)
