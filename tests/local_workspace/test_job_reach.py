"""Who sees which job in the stand-in, driven by the real databricks-sdk: the callers' groups in SCIM `Me`, and the
jobs each caller's jobs/list, jobs/get and runs/list show, against a truth computed in Python from the raw rows of
workspace_state.jobs, job_acl and job_grants (owner = the IS_OWNER grant, else the creator)."""

from __future__ import annotations

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.core import Config

from api.helpers import case, truth

# The contract (ISSUE 11): token -> (user name, groups SCIM Me lists).
USERS = {
    "local-admin": ("admin@example.com", {"admins", "users"}),
    "local-analyst": ("analyst@example.com", {"users"}),
    "local-team": ("team.member@example.com", {"users", "data-eng"}),
    "local-owner": ("owner@example.com", {"users"}),
    "local-finops": ("finops@example.com", {"users", "finops"}),
    "local-nobody": ("newcomer@example.com", {"users"}),
}
SERVICE_PRINCIPALS = {
    "local-sp": ("local-sp-secret", {"admins", "users"}),
    "local-sp-limited": ("local-sp-limited-secret", {"users"}),
}


def client(ws, token: str) -> WorkspaceClient:
    return WorkspaceClient(config=Config(host=ws.base_url, token=token, auth_type="pat", retry_timeout_seconds=2,
                                         http_timeout_seconds=5))


def m2m(ws, client_id: str, monkeypatch) -> WorkspaceClient:
    for name in ("DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_AUTH_TYPE"):
        monkeypatch.delenv(name, raising=False)
    secret = SERVICE_PRINCIPALS[client_id][0]
    return WorkspaceClient(config=Config(host=ws.base_url, client_id=client_id, client_secret=secret,
                                         auth_type="oauth-m2m", retry_timeout_seconds=2, http_timeout_seconds=5))


def visible_jobs(ws, user_name: str, groups: set[str]) -> set[int]:
    """The jobs a non-admin may view, from the raw rows: owned, named by job_acl, or granted to them or a group."""
    jobs = dict(truth(ws, "SELECT job_id, creator_user_name FROM workspace_state.jobs"))
    acl = truth(ws, "SELECT job_id, user_name FROM workspace_state.job_acl")
    grants = truth(ws, "SELECT job_id, principal_kind, principal_name, permission_level FROM workspace_state.job_grants")
    me = user_name.lower()
    owner = {job_id: (creator or "").lower() for job_id, creator in jobs.items()}
    for job_id, _, name, level in grants:
        if level == "IS_OWNER":
            owner[job_id] = name.lower()
    seen = {job_id for job_id, name in owner.items() if name == me}
    seen |= {job_id for job_id, name in acl if name.lower() == me}
    seen |= {job_id for job_id, kind, name, _ in grants
             if (kind == "group" and name in groups) or (kind != "group" and name.lower() == me)}
    return seen & set(jobs)


def listed(w: WorkspaceClient) -> list[int]:
    # limit=2: the SDK walks several pages, so the page tokens carry the caller's scope too.
    return [j.job_id for j in w.jobs.list(limit=2)]


@pytest.mark.parametrize("token", sorted(USERS))
def test_scim_me_lists_each_users_groups_with_stable_ids(workspace, token):
    user_name, groups = USERS[token]
    me = client(workspace, token).current_user.me()
    assert me.user_name == user_name
    assert {g.display for g in me.groups} == groups
    for g in me.groups:
        assert g.value and g.value.isdigit() and g.ref == f"Groups/{g.value}"
    # One group, one id, whoever asks.
    users_id = {g.value for g in client(workspace, "local-nobody").current_user.me().groups if g.display == "users"}
    assert {g.value for g in me.groups if g.display == "users"} == users_id


@pytest.mark.parametrize("client_id", sorted(SERVICE_PRINCIPALS))
def test_scim_me_of_the_service_principals(workspace, client_id, monkeypatch):
    me = m2m(workspace, client_id, monkeypatch).current_user.me()
    assert me.user_name == client_id
    assert {g.display for g in me.groups} == SERVICE_PRINCIPALS[client_id][1]


@pytest.mark.parametrize("token", ["local-team", "local-owner", "local-nobody", "local-finops", "local-analyst"])
def test_each_user_lists_exactly_the_jobs_they_may_view(workspace, token):
    user_name, groups = USERS[token]
    got = listed(client(workspace, token))
    assert len(got) == len(set(got)), "a job listed twice"
    assert set(got) == visible_jobs(workspace, user_name, groups)


def test_the_reach_of_each_user_is_what_the_contract_says(workspace):
    """The cases the generator marked: the team reaches its group's jobs (one of them running now), the owner
    exactly the jobs passed to them, finops and the newcomer nothing, the admin everything."""
    def marked(name: str) -> set[int]:
        return {int(j) for (j,) in truth(workspace, "SELECT job_id FROM workspace_state.cases WHERE case_name = ?",
                                         [name])}

    team, owned = marked("team_visible_job"), marked("owned_by_owner")
    assert len(team) >= 3 and len(owned) == 3 and not team & owned
    assert not owned & marked("analyst_visible_job")
    assert set(listed(client(workspace, "local-team"))) == team
    assert set(listed(client(workspace, "local-owner"))) == owned
    assert listed(client(workspace, "local-finops")) == listed(client(workspace, "local-nobody")) == []
    (total,) = truth(workspace, "SELECT count(*) FROM workspace_state.jobs")[0]
    assert len(listed(client(workspace, "local-admin"))) == total
    active = {j for (j,) in truth(workspace, "SELECT DISTINCT job_id FROM workspace_state.runs WHERE active")}
    assert active and team & active, "no job of the team's has a run in progress"


def test_a_team_member_reads_their_groups_jobs_and_runs_and_nothing_else(workspace):
    team = client(workspace, "local-team")
    _, team_job, _ = case(workspace, "team_visible_job", home=True)
    _, owned_job, _ = case(workspace, "owned_by_owner", home=True)
    assert team.jobs.get(job_id=int(team_job)).job_id == int(team_job)
    with pytest.raises(sdk_errors.PermissionDenied, match=f"Job with id {owned_job}"):
        team.jobs.get(job_id=int(owned_job))
    reach = visible_jobs(workspace, *USERS["local-team"])
    expected_active = {r for (r,) in truth(workspace, "SELECT run_id FROM workspace_state.runs WHERE active "
                                                      "AND list_contains(?, job_id)", [sorted(reach)])}
    active = {r.run_id: r.job_id for r in team.jobs.list_runs(active_only=True, limit=25)}
    assert set(active) == expected_active and expected_active
    run_id, job_id = next(iter(active.items()))
    assert team.jobs.get_run(run_id=run_id).job_id == job_id


def test_a_service_principal_without_grants_sees_no_job(workspace, monkeypatch):
    sp = m2m(workspace, "local-sp-limited", monkeypatch)
    assert sp.config.auth_type == "oauth-m2m"
    assert listed(sp) == []
    assert list(sp.jobs.list_runs(limit=25)) == []
    _, job_id, _ = case(workspace, "team_visible_job", home=True)
    with pytest.raises(sdk_errors.PermissionDenied, match="User local-sp-limited does not have Manage permissions"):
        sp.permissions.get("jobs", job_id)
    with pytest.raises(sdk_errors.PermissionDenied):
        sp.jobs.get(job_id=int(job_id))
    # The admin service principal, the same way in, reaches every job: the refusal is about grants, not the login.
    (total,) = truth(workspace, "SELECT count(*) FROM workspace_state.jobs")[0]
    assert len(listed(m2m(workspace, "local-sp", monkeypatch))) == total


def test_ownership_follows_the_owner_grant_else_the_creator(private_workspace, monkeypatch):
    """In a copy of the workspace: a job the newcomer created is theirs to see and administer until its ownership
    passes to someone else; a grant to a service principal reaches it."""
    ws = private_workspace
    db = ws.state.db.cursor()
    (job_id,) = db.execute("SELECT job_id FROM workspace_state.jobs WHERE job_id NOT IN "
                           "(SELECT job_id FROM workspace_state.job_grants) ORDER BY job_id LIMIT 1").fetchone()
    # No ACL row names anyone on it, so only who owns it decides who sees it.
    db.execute("DELETE FROM workspace_state.job_acl WHERE job_id = ?", [job_id])
    db.execute("UPDATE workspace_state.jobs SET creator_user_name = 'newcomer@example.com' WHERE job_id = ?", [job_id])
    nobody = client(ws, "local-nobody")
    assert listed(nobody) == [job_id]
    acl = nobody.permissions.get("jobs", str(job_id)).access_control_list
    assert [e.user_name for e in acl if e.all_permissions[0].permission_level.value == "IS_OWNER"] == [
        "newcomer@example.com"]

    db.execute("INSERT INTO workspace_state.job_grants VALUES (?, 'user', 'owner@example.com', 'IS_OWNER'), "
               "(?, 'service_principal', 'local-sp-limited', 'CAN_VIEW')", [job_id, job_id])
    assert listed(nobody) == []
    with pytest.raises(sdk_errors.PermissionDenied):
        nobody.permissions.get("jobs", str(job_id))
    assert job_id in listed(client(ws, "local-owner"))
    assert listed(m2m(ws, "local-sp-limited", monkeypatch)) == [job_id]
    acl = client(ws, "local-owner").permissions.get("jobs", str(job_id)).access_control_list
    levels = {(e.user_name or e.service_principal_name or e.group_name): e.all_permissions[0].permission_level.value
              for e in acl}
    assert levels == {"owner@example.com": "IS_OWNER", "local-sp-limited": "CAN_VIEW", "admins": "CAN_MANAGE"}
    assert next(e for e in acl if e.service_principal_name == "local-sp-limited").user_name is None
