"""htmx: mutation routes answer with their section fragment and a toast; refusals with 422 inside it."""

import pytest

from crm.permissions import PERMISSIONS
from tests.admin.support import HX
from tests.admin.support import audit
from tests.admin.support import invitations
from tests.admin.support import is_fragment
from tests.admin.support import member
from tests.admin.support import org_row
from tests.admin.support import role
from tests.admin.support import role_id
from tests.admin.support import stage_id
from tests.admin.support import stage_names
from tests.admin.support import toast_of
from tests.helpers import text_of

REP = "sales.rep@acme.example"


def _invite(client, org, email="x@example.com"):
    return client.post("/acme/admin/invitations", data={"email": email, "role_id": role_id(org, "Sales Rep")}, headers=HX)


# (name, request, section id in the fragment, toast, check of the database afterwards)
SUCCESSES = [
    ("change role", lambda c, o: c.post(f"/acme/admin/members/{member(o, REP)['id']}/role",
                                        data={"role_id": role_id(o, "Support Agent")}, headers=HX),
     "members", "Sales Rep is now Support Agent.", lambda o: member(o, REP)["role"] == "Support Agent"),
    ("deactivate", lambda c, o: c.post(f"/acme/admin/members/{member(o, REP)['id']}/deactivate", headers=HX),
     "members", "Sales Rep was deactivated.", lambda o: member(o, REP)["active"] is False),
    ("remove", lambda c, o: c.post(f"/acme/admin/members/{member(o, REP)['id']}/remove", headers=HX),
     "members", "Sales Rep was removed from the organization.", lambda o: member(o, REP) is None),
    ("send invitation", lambda c, o: _invite(c, o),
     "invitations", "Invitation sent to x@example.com.", lambda o: len(invitations(o)) == 1),
    ("create role", lambda c, o: c.post("/acme/admin/roles", data={"name": "Auditor", "permissions": ["admin.audit"]}, headers=HX),
     "roles", "Role Auditor created.", lambda o: role(o, "Auditor") is not None),
    ("update role", lambda c, o: c.post(f"/acme/admin/roles/{role_id(o, 'Support Agent')}",
                                        data={"name": "Care", "permissions": ["cases.view"]}, headers=HX),
     "role-edit", "Role Care saved.", lambda o: role(o, "Care") is not None),
    ("delete role", lambda c, o: c.post(f"/acme/admin/roles/{role_id(o, 'Account Manager')}/delete", headers=HX),
     "roles", "Role Account Manager deleted.", lambda o: role(o, "Account Manager") is None),
    ("create stage", lambda c, o: c.post("/acme/admin/stages", data={"name": "Demo", "probability": "30", "expected_days": "3",
                                                                     "kind": "open"}, headers=HX),
     "stages", "Stage Demo added.", lambda o: "Demo" in stage_names(o)),
    ("update stage", lambda c, o: c.post(f"/acme/admin/stages/{stage_id(o, 'Proposal')}",
                                         data={"name": "Quote", "probability": "50", "expected_days": "21", "kind": "open"}, headers=HX),
     "stages", "Stage Quote saved.", lambda o: "Quote" in stage_names(o)),
    ("move stage", lambda c, o: c.post(f"/acme/admin/stages/{stage_id(o, 'Proposal')}/move", data={"direction": "up"}, headers=HX),
     "stages", "Moved Proposal up.", lambda o: stage_names(o)[1] == "Proposal"),
    ("delete stage", lambda c, o: c.post(f"/acme/admin/stages/{stage_id(o, 'Proposal')}/delete", headers=HX),
     "stages", "Stage Proposal deleted.", lambda o: "Proposal" not in stage_names(o)),
    ("settings", lambda c, o: c.post("/acme/admin/settings", data={"name": "Acme 2", "currency": "EUR", "timezone": "UTC"}, headers=HX),
     "settings-form", "Settings saved.", lambda o: org_row("acme")["name"] == "Acme 2"),
]


@pytest.mark.parametrize("name, send, section, message, check", SUCCESSES, ids=[s[0] for s in SUCCESSES])
def test_mutation_returns_fragment_with_toast(admin_a, org_a, name, send, section, message, check):
    response = send(admin_a, org_a)
    assert response.status_code == 200, text_of(response)[:400]
    assert is_fragment(response)
    assert f'id="{section}"' in response.get_data(as_text=True)
    assert toast_of(response) == message
    assert "HX-Request" in response.headers.get("Vary", "")
    assert check(org_a)
    assert len(audit(org_a)) == 1


def test_reactivate_resend_revoke_over_htmx(admin_a, org_a):
    rep = member(org_a, REP)
    admin_a.post(f"/acme/admin/members/{rep['id']}/deactivate", headers=HX)
    response = admin_a.post(f"/acme/admin/members/{rep['id']}/reactivate", headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert toast_of(response) == "Sales Rep was reactivated."
    assert member(org_a, REP)["active"]

    _invite(admin_a, org_a)
    [inv] = invitations(org_a)
    response = admin_a.post(f"/acme/admin/invitations/{inv['id']}/resend", headers=HX)
    assert response.status_code == 200 and is_fragment(response) and 'id="invitations"' in response.get_data(as_text=True)
    assert toast_of(response) == "Invitation resent to x@example.com."
    response = admin_a.post(f"/acme/admin/invitations/{inv['id']}/revoke", headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert toast_of(response) == "Invitation to x@example.com revoked."
    assert "revoked" in text_of(response)


def test_fragment_shows_the_change(admin_a, org_a):
    response = admin_a.post(f"/acme/admin/members/{member(org_a, REP)['id']}/deactivate", headers=HX)
    html = response.get_data(as_text=True)
    row = html.split(f'data-email="{REP}"')[1].split("</tr>")[0]
    assert "Deactivated" in row and "Reactivate" in row


# (name, request, section id, message inside the fragment)
REFUSALS = [
    ("last admin", lambda c, o: c.post(f"/acme/admin/members/{member(o, 'admin@acme.example')['id']}/deactivate", headers=HX),
     "members", "is the last active Administrator"),
    ("bad role for member", lambda c, o: c.post(f"/acme/admin/members/{member(o, REP)['id']}/role", data={"role_id": "nope"}, headers=HX),
     "members", "Pick a role from the list."),
    ("invite member", lambda c, o: _invite(c, o, REP), "invitations", "is already a member of Acme Inc"),
    ("invite bad role", lambda c, o: c.post("/acme/admin/invitations", data={"email": "x@example.com", "role_id": "0"}, headers=HX),
     "invitations", "Pick a role from the list."),
    ("role clash", lambda c, o: c.post("/acme/admin/roles", data={"name": "sales REP"}, headers=HX),
     "roles", "already exists; choose another name"),
    ("unknown permission", lambda c, o: c.post("/acme/admin/roles", data={"name": "X", "permissions": ["x.y"]}, headers=HX),
     "roles", "Unknown permission: x.y"),
    ("rename administrator", lambda c, o: c.post(f"/acme/admin/roles/{role_id(o, 'Administrator')}",
                                                 data={"name": "Boss", "permissions": list(PERMISSIONS)}, headers=HX),
     "role-edit", "keeps its name"),
    ("delete held role", lambda c, o: c.post(f"/acme/admin/roles/{role_id(o, 'Sales Rep')}/delete", headers=HX),
     "roles", "still has the role Sales Rep"),
    ("delete administrator", lambda c, o: c.post(f"/acme/admin/roles/{role_id(o, 'Administrator')}/delete", headers=HX),
     "roles", "The Administrator role cannot be deleted."),
    ("stage probability", lambda c, o: c.post("/acme/admin/stages", data={"name": "D", "probability": "101", "expected_days": "1",
                                                                          "kind": "open"}, headers=HX),
     "stages", "Probability must be from 0 to 100."),
    ("stage edit days", lambda c, o: c.post(f"/acme/admin/stages/{stage_id(o, 'Proposal')}",
                                            data={"name": "Proposal", "probability": "50", "expected_days": "x", "kind": "open"}, headers=HX),
     "stages", "Not a valid integer value"),
    ("only won stage", lambda c, o: c.post(f"/acme/admin/stages/{stage_id(o, 'Closed Won')}/delete", headers=HX),
     "stages", "Closed Won is the only won stage"),
    ("only lost kind", lambda c, o: c.post(f"/acme/admin/stages/{stage_id(o, 'Closed Lost')}",
                                           data={"name": "Closed Lost", "probability": "0", "expected_days": "0", "kind": "open"}, headers=HX),
     "stages", "This is the only lost stage"),
    ("move sideways", lambda c, o: c.post(f"/acme/admin/stages/{stage_id(o, 'Proposal')}/move", data={"direction": "left"}, headers=HX),
     "stages", "Move a stage up or down."),
    ("bad timezone", lambda c, o: c.post("/acme/admin/settings", data={"name": "A", "currency": "EUR", "timezone": "Nowhere/Land"}, headers=HX),
     "settings-form", "Not a valid choice"),
]


@pytest.mark.parametrize("name, send, section, message", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusal_is_422_with_message_in_fragment(admin_a, org_a, name, send, section, message):
    response = send(admin_a, org_a)
    assert response.status_code == 422
    assert is_fragment(response)
    html = response.get_data(as_text=True)
    assert f'id="{section}"' in html
    assert message in text_of(response)
    assert "HX-Trigger" not in response.headers  # no success toast for a refusal
    assert audit(org_a) == []


def test_full_page_without_htmx(admin_a, org_a):
    for path in ("members", "invitations", "roles", "stages", "settings", "audit"):
        response = admin_a.get(f"/acme/admin/{path}")
        assert response.status_code == 200
        assert "<html" in response.get_data(as_text=True)
        hx = admin_a.get(f"/acme/admin/{path}", headers=HX)
        assert hx.status_code == 200 and is_fragment(hx), path
    # A history restore needs the whole page again.
    restore = admin_a.get("/acme/admin/members", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)
