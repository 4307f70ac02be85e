"""Members: change role, deactivate and reactivate, remove."""

from crm.extensions import db
from crm.models import User
from tests.admin.support import audit
from tests.admin.support import login_as
from tests.admin.support import member
from tests.admin.support import role
from tests.admin.support import role_id
from tests.admin.support import user_id
from tests.helpers import add_member
from tests.helpers import text_of

REP = "sales.rep@acme.example"


def test_member_list_shows_everyone_with_role_and_status(admin_a, org_a):
    add_member(org_a, "gone@acme.example", "Support Agent", active=False)
    page = text_of(admin_a.get("/acme/admin/members"))
    for email in ("admin@acme.example", REP, "sales.manager@acme.example", "gone@acme.example"):
        assert email in page
    assert "Deactivated" in page
    assert admin_a.get("/acme/admin/").headers["Location"].endswith("/acme/admin/members")


def test_change_role(admin_a, org_a):
    rep = member(org_a, REP)
    response = admin_a.post(f"/acme/admin/members/{rep['id']}/role",
                            data={"role_id": role_id(org_a, "Support Agent")})
    assert response.status_code == 302
    assert "is now Support Agent" in text_of(admin_a.get(response.headers["Location"]))
    assert member(org_a, REP)["role"] == "Support Agent"
    [row] = audit(org_a, "member.role")
    assert row["actor_id"] == user_id("admin@acme.example")
    assert row["before"] == {"role": "Sales Rep", "active": True}
    assert row["after"] == {"role": "Support Agent", "active": True}


def test_change_role_to_the_same_role_changes_nothing(admin_a, org_a):
    rep = member(org_a, REP)
    response = admin_a.post(f"/acme/admin/members/{rep['id']}/role", data={"role_id": role_id(org_a, "Sales Rep")})
    assert response.status_code == 302
    assert audit(org_a) == []


def test_change_role_refuses_a_role_that_is_not_in_the_list(admin_a, org_a, org_b):
    rep = member(org_a, REP)
    for bad in ("", "abc", "99999999", str(role_id(org_b, "Support Agent"))):
        response = admin_a.post(f"/acme/admin/members/{rep['id']}/role", data={"role_id": bad})
        assert response.status_code == 422, bad
        assert "Pick a role from the list." in text_of(response)
    assert member(org_a, REP)["role"] == "Sales Rep"
    assert audit(org_a) == []


def test_deactivate_then_reactivate(admin_a, org_a, org_b, app):
    # The rep also belongs to Bravo: deactivation in Acme must not touch that.
    add_member(org_b, REP, "Sales Manager", user=db.session.get(User, user_id(REP)))
    rep = member(org_a, REP)
    rep_browser = login_as(app, REP)
    assert rep_browser.get("/acme/").status_code == 200

    response = admin_a.post(f"/acme/admin/members/{rep['id']}/deactivate")
    assert response.status_code == 302
    assert "was deactivated" in text_of(admin_a.get(response.headers["Location"]))
    assert member(org_a, REP)["active"] is False

    refused = rep_browser.get("/acme/")
    assert refused.status_code == 403
    assert "Your membership of Acme Inc was deactivated" in text_of(refused)
    assert rep_browser.get("/acme/admin/members").status_code == 403
    assert rep_browser.get("/bravo/").status_code == 200  # their other organization still works

    response = admin_a.post(f"/acme/admin/members/{rep['id']}/reactivate")
    assert response.status_code == 302
    assert "was reactivated" in text_of(admin_a.get(response.headers["Location"]))
    assert member(org_a, REP)["active"] is True
    assert rep_browser.get("/acme/").status_code == 200

    [off] = audit(org_a, "member.deactivate")
    [on] = audit(org_a, "member.reactivate")
    assert off["before"] == {"role": "Sales Rep", "active": True} and off["after"] == {"role": "Sales Rep", "active": False}
    assert on["before"] == {"role": "Sales Rep", "active": False} and on["after"] == {"role": "Sales Rep", "active": True}
    assert off["actor_id"] == on["actor_id"] == user_id("admin@acme.example")


def test_deactivated_member_can_sign_in_and_use_other_org(admin_a, org_a, org_b, app):
    add_member(org_b, REP, "Sales Rep", user=db.session.get(User, user_id(REP)))
    admin_a.post(f"/acme/admin/members/{member(org_a, REP)['id']}/deactivate")
    rep_browser = login_as(app, REP)
    assert rep_browser.get("/bravo/").status_code == 200
    assert rep_browser.get("/acme/").status_code == 403


def test_remove(admin_a, org_a, app):
    rep_browser = login_as(app, REP)
    rep = member(org_a, REP)
    response = admin_a.post(f"/acme/admin/members/{rep['id']}/remove")
    assert response.status_code == 302
    assert "was removed from the organization" in text_of(admin_a.get(response.headers["Location"]))
    assert member(org_a, REP) is None
    assert user_id(REP) is not None  # the account itself stays
    assert rep_browser.get("/acme/").status_code == 404
    [row] = audit(org_a, "member.remove")
    assert row["before"] == {"role": "Sales Rep", "active": True} and row["after"] is None
    assert row["actor_id"] == user_id("admin@acme.example")
    assert REP not in text_of(admin_a.get("/acme/admin/members"))


def test_member_of_another_org_is_404(admin_a, org_a, org_b):
    other = member(org_b, "sales.rep@bravo.example")
    for action in ("deactivate", "reactivate", "remove"):
        assert admin_a.post(f"/acme/admin/members/{other['id']}/{action}").status_code == 404
    response = admin_a.post(f"/acme/admin/members/{other['id']}/role", data={"role_id": role_id(org_a, "Sales Rep")})
    assert response.status_code == 404
    assert member(org_b, "sales.rep@bravo.example") == other
    assert audit(org_a) == [] and audit(org_b) == []


def test_ticking_a_permission_changes_what_the_member_can_do(admin_a, org_a, app):
    rep_browser = login_as(app, REP)
    assert rep_browser.get("/acme/admin/audit").status_code == 403
    sales_rep = role_id(org_a, "Sales Rep")
    perms = role(org_a, "Sales Rep")["permissions"]
    response = admin_a.post(f"/acme/admin/roles/{sales_rep}", data={"name": "Sales Rep", "permissions": [*perms, "admin.audit"]})
    assert response.status_code == 302
    assert rep_browser.get("/acme/admin/audit").status_code == 200
    assert "Audit log" in text_of(rep_browser.get("/acme/admin/audit"))
    # Untick the dashboard: the rep can no longer open it.
    response = admin_a.post(f"/acme/admin/roles/{sales_rep}",
                            data={"name": "Sales Rep", "permissions": [p for p in perms if p != "dashboard.view"]})
    assert response.status_code == 302
    assert rep_browser.get("/acme/").status_code == 403
    assert rep_browser.get("/acme/admin/audit").status_code == 403


def test_changing_a_members_role_changes_their_access(admin_a, org_a, app):
    rep_browser = login_as(app, REP)
    assert rep_browser.get("/acme/admin/members").status_code == 403
    rep = member(org_a, REP)
    admin_a.post(f"/acme/admin/members/{rep['id']}/role", data={"role_id": role_id(org_a, "Administrator")})
    assert rep_browser.get("/acme/admin/members").status_code == 200
