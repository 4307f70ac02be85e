"""Roles: create, rename, choose permissions, delete, and the refusals."""

from datetime import timedelta

import pytest

from crm import clock
from crm.permissions import PERMISSIONS
from tests.admin.support import audit
from tests.admin.support import invitations
from tests.admin.support import member
from tests.admin.support import role
from tests.admin.support import role_id
from tests.admin.support import role_names
from tests.admin.support import user_id
from tests.helpers import text_of


def _create(client, name="Auditor", permissions=("dashboard.view", "admin.audit")):
    return client.post("/acme/admin/roles", data={"name": name, "permissions": list(permissions)})


def test_roles_page_lists_default_roles_with_member_counts(admin_a, org_a):
    response = admin_a.get("/acme/admin/roles")
    assert response.status_code == 200
    page = text_of(response)
    for name in ("Administrator", "Marketing Manager", "Sales Development Rep", "Sales Rep", "Sales Manager",
                 "Support Agent", "Account Manager"):
        assert name in page
    html = response.get_data(as_text=True)
    sales_rep_row = html.split(f'id="role-{role_id(org_a, "Sales Rep")}"')[1].split("</tr>")[0]
    assert "<td>1</td>" in sales_rep_row
    assert f"{len(PERMISSIONS)} of {len(PERMISSIONS)}" in page  # the Administrator


def test_create(admin_a, org_a):
    response = _create(admin_a, name="  Auditor  ")
    assert response.status_code == 302
    assert "Role Auditor created." in text_of(admin_a.get(response.headers["Location"]))
    created = role(org_a, "Auditor")
    assert created["permissions"] == ["dashboard.view", "admin.audit"]
    [row] = audit(org_a, "role.create")
    assert row["actor_id"] == user_id("admin@acme.example")
    assert row["before"] is None
    assert row["after"] == {"name": "Auditor", "permissions": ["dashboard.view", "admin.audit"]}
    assert row["target_id"] == created["id"]


def test_create_with_no_permissions(admin_a, org_a):
    assert admin_a.post("/acme/admin/roles", data={"name": "Observer"}).status_code == 302
    assert role(org_a, "Observer")["permissions"] == []


@pytest.mark.parametrize("name", ["sales rep", "SALES REP", "Sales  Rep", "administrator"])
def test_name_clash_is_case_insensitive(admin_a, org_a, name):
    before = role_names(org_a)
    response = _create(admin_a, name=name)
    assert response.status_code == 422
    assert "already exists; choose another name" in text_of(response)
    assert role_names(org_a) == before
    assert audit(org_a) == []


def test_same_name_in_another_org_is_fine(admin_a, org_a, org_b):
    # Bravo has a "Sales Rep" too; Acme renaming a role to a fresh name is unaffected by Bravo's roles.
    assert _create(admin_a, name="Bravo Only").status_code == 302
    assert role(org_b, "Bravo Only") is None


@pytest.mark.parametrize("name, message", [("", "Give the role a name."), ("   ", "Give the role a name."),
                                           ("x" * 61, "60 characters")])
def test_bad_name_is_422(admin_a, org_a, name, message):
    before = role_names(org_a)
    response = _create(admin_a, name=name)
    assert response.status_code == 422
    assert message in text_of(response)
    assert role_names(org_a) == before


def test_unknown_permission_is_422(admin_a, org_a):
    response = _create(admin_a, permissions=["dashboard.view", "root.everything"])
    assert response.status_code == 422
    assert "Unknown permission: root.everything" in text_of(response)
    assert role(org_a, "Auditor") is None
    assert audit(org_a) == []


def test_rename_and_change_permissions(admin_a, org_a):
    rid = role_id(org_a, "Support Agent")
    page = admin_a.get(f"/acme/admin/roles/{rid}")
    assert page.status_code == 200 and "Support Agent" in text_of(page)
    before = role(org_a, "Support Agent")
    response = admin_a.post(f"/acme/admin/roles/{rid}", data={"name": "Customer Care", "permissions": ["cases.view"]})
    assert response.status_code == 302
    assert "Role Customer Care saved." in text_of(admin_a.get(response.headers["Location"]))
    assert role(org_a, "Support Agent") is None
    assert role(org_a, "Customer Care") == {"id": rid, "name": "Customer Care", "permissions": ["cases.view"]}
    [row] = audit(org_a, "role.update")
    assert row["before"] == {"name": "Support Agent", "permissions": before["permissions"]}
    assert row["after"] == {"name": "Customer Care", "permissions": ["cases.view"]}
    assert row["actor_id"] == user_id("admin@acme.example")


def test_renaming_to_a_different_case_of_its_own_name(admin_a, org_a):
    rid = role_id(org_a, "Support Agent")
    perms = role(org_a, "Support Agent")["permissions"]
    response = admin_a.post(f"/acme/admin/roles/{rid}", data={"name": "support agent", "permissions": perms})
    assert response.status_code == 302
    assert role(org_a, "support agent")["id"] == rid


def test_saving_without_changes_writes_no_audit_row(admin_a, org_a):
    rid = role_id(org_a, "Support Agent")
    perms = role(org_a, "Support Agent")["permissions"]
    assert admin_a.post(f"/acme/admin/roles/{rid}", data={"name": "Support Agent", "permissions": perms}).status_code == 302
    assert audit(org_a) == []


def test_rename_clash_is_422(admin_a, org_a):
    rid = role_id(org_a, "Support Agent")
    response = admin_a.post(f"/acme/admin/roles/{rid}", data={"name": "SALES rep", "permissions": ["cases.view"]})
    assert response.status_code == 422
    assert "A role named “Sales Rep” already exists" in text_of(response)
    assert role(org_a, "Support Agent")["id"] == rid
    assert audit(org_a) == []


def test_update_with_unknown_permission_is_422(admin_a, org_a):
    rid = role_id(org_a, "Support Agent")
    before = role(org_a, "Support Agent")
    response = admin_a.post(f"/acme/admin/roles/{rid}", data={"name": "Support Agent", "permissions": ["cases.view", "nope"]})
    assert response.status_code == 422
    assert "Unknown permission: nope" in text_of(response)
    assert role(org_a, "Support Agent") == before


def test_delete_unused_role(admin_a, org_a):
    rid = role_id(org_a, "Account Manager")
    response = admin_a.post(f"/acme/admin/roles/{rid}/delete")
    assert response.status_code == 302
    assert "Role Account Manager deleted." in text_of(admin_a.get(response.headers["Location"]))
    assert role(org_a, "Account Manager") is None
    [row] = audit(org_a, "role.delete")
    assert row["before"]["name"] == "Account Manager" and row["after"] is None
    assert row["actor_id"] == user_id("admin@acme.example")


def test_delete_refused_while_members_hold_it(admin_a, org_a):
    rid = role_id(org_a, "Sales Rep")
    response = admin_a.post(f"/acme/admin/roles/{rid}/delete")
    assert response.status_code == 422
    assert "1 member still has the role Sales Rep. Give them another role first." in text_of(response)
    assert role(org_a, "Sales Rep") is not None
    assert audit(org_a) == []
    # A deactivated member still holds it.
    rep = member(org_a, "sales.rep@acme.example")
    admin_a.post(f"/acme/admin/members/{rep['id']}/deactivate")
    assert admin_a.post(f"/acme/admin/roles/{rid}/delete").status_code == 422
    # Once nobody holds it, it can go.
    admin_a.post(f"/acme/admin/members/{rep['id']}/role", data={"role_id": role_id(org_a, "Support Agent")})
    assert admin_a.post(f"/acme/admin/roles/{rid}/delete").status_code == 302
    assert role(org_a, "Sales Rep") is None


def test_delete_refused_while_an_open_invitation_offers_it(admin_a, org_a):
    rid = role_id(org_a, "Account Manager")
    admin_a.post("/acme/admin/invitations", data={"email": "someone@example.com", "role_id": rid})
    response = admin_a.post(f"/acme/admin/roles/{rid}/delete")
    assert response.status_code == 422
    assert "1 open invitation offers the role Account Manager. Revoke it first." in text_of(response)
    assert role(org_a, "Account Manager") is not None
    [inv] = invitations(org_a)
    admin_a.post(f"/acme/admin/invitations/{inv['id']}/revoke")
    assert admin_a.post(f"/acme/admin/roles/{rid}/delete").status_code == 302
    assert role(org_a, "Account Manager") is None
    assert invitations(org_a) == []


def test_an_expired_invitation_does_not_block_deleting_its_role(admin_a, org_a):
    """The list offers no Revoke button for an expired invitation, so it must not block the delete."""
    rid = role_id(org_a, "Account Manager")
    admin_a.post("/acme/admin/invitations", data={"email": "someone@example.com", "role_id": rid})
    clock.travel(timedelta(days=8))
    assert invitations(org_a)[0]["status"] == "expired"
    assert admin_a.post(f"/acme/admin/roles/{rid}/delete").status_code == 302
    assert role(org_a, "Account Manager") is None


def test_administrator_role_cannot_be_renamed_changed_or_deleted(admin_a, org_a):
    rid = role_id(org_a, "Administrator")
    every = list(PERMISSIONS)
    renamed = admin_a.post(f"/acme/admin/roles/{rid}", data={"name": "Boss", "permissions": every})
    assert renamed.status_code == 422
    assert "The Administrator role always holds every permission and keeps its name." in text_of(renamed)
    narrowed = admin_a.post(f"/acme/admin/roles/{rid}", data={"name": "Administrator", "permissions": every[:-1]})
    assert narrowed.status_code == 422
    deleted = admin_a.post(f"/acme/admin/roles/{rid}/delete")
    assert deleted.status_code == 422
    assert "The Administrator role cannot be deleted." in text_of(deleted)
    assert role(org_a, "Administrator") == {"id": rid, "name": "Administrator", "permissions": every}
    assert audit(org_a) == []
    # The list offers neither Edit nor Delete for it.
    html = admin_a.get("/acme/admin/roles").get_data(as_text=True)
    admin_row = html.split(f'id="role-{rid}"')[1].split("</tr>")[0]
    assert "Edit" not in admin_row and "Delete" not in admin_row and "(fixed)" in admin_row


def test_role_of_another_org_is_404(admin_a, org_a, org_b):
    rid = role_id(org_b, "Account Manager")
    assert admin_a.get(f"/acme/admin/roles/{rid}").status_code == 404
    assert admin_a.post(f"/acme/admin/roles/{rid}", data={"name": "Hijacked"}).status_code == 404
    assert admin_a.post(f"/acme/admin/roles/{rid}/delete").status_code == 404
    assert role(org_b, "Account Manager")["id"] == rid
