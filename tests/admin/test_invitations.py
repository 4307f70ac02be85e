"""Invitations: send, resend (old link dies, new one works), revoke, and the refusals."""

from datetime import timedelta

import pytest

from crm import clock
from tests.admin.support import audit
from tests.admin.support import invitations
from tests.admin.support import last_link
from tests.admin.support import login_as
from tests.admin.support import member
from tests.admin.support import outbox
from tests.admin.support import role_id
from tests.admin.support import user_id
from tests.helpers import PASSWORD
from tests.helpers import text_of

NEW = "new.person@example.com"


def _invite(client, org, email=NEW, role="Support Agent", **extra):
    return client.post("/acme/admin/invitations", data={"email": email, "role_id": role_id(org, role), **extra})


def test_send(admin_a, org_a, app, other_client):
    response = _invite(admin_a, org_a)
    assert response.status_code == 302
    assert f"Invitation sent to {NEW}." in text_of(admin_a.get(response.headers["Location"]))
    [inv] = invitations(org_a)
    assert inv["email"] == NEW and inv["role"] == "Support Agent" and inv["status"] == "pending"
    [mail] = outbox(app)
    assert mail["To"] == NEW and "Acme Inc" in mail["Subject"]
    [row] = audit(org_a, "invitation.send")
    assert row["actor_id"] == user_id("admin@acme.example")
    assert row["before"] is None and row["after"] == {"email": NEW, "role": "Support Agent"}
    listing = text_of(admin_a.get("/acme/admin/invitations"))
    assert NEW in listing and "pending" in listing

    # The link works: a new person joins with the offered role.
    link = last_link(app, NEW)
    assert other_client.get(link).status_code == 200
    joined = other_client.post(link, data={"name": "New Person", "password": PASSWORD})
    assert joined.status_code == 302
    assert member(org_a, NEW)["role"] == "Support Agent"
    assert invitations(org_a)[0]["status"] == "accepted"


def test_email_is_normalised(admin_a, org_a):
    assert _invite(admin_a, org_a, email="  New.Person@Example.COM ").status_code == 302
    assert [i["email"] for i in invitations(org_a)] == [NEW]


def test_resend_kills_the_old_link_and_the_new_one_works(admin_a, org_a, app, other_client):
    _invite(admin_a, org_a)
    old = last_link(app, NEW)
    [inv] = invitations(org_a)
    response = admin_a.post(f"/acme/admin/invitations/{inv['id']}/resend")
    assert response.status_code == 302
    assert f"Invitation resent to {NEW}." in text_of(admin_a.get(response.headers["Location"]))
    new = last_link(app, NEW)
    assert new != old and len(outbox(app)) == 2

    refused = other_client.get(old)
    assert refused.status_code == 410
    assert "no longer valid" in text_of(refused)
    assert other_client.post(old, data={"name": "X", "password": PASSWORD}).status_code == 410
    assert member(org_a, NEW) is None

    assert other_client.get(new).status_code == 200
    assert other_client.post(new, data={"name": "New Person", "password": PASSWORD}).status_code == 302
    assert member(org_a, NEW)["role"] == "Support Agent"
    assert len(audit(org_a, "invitation.resend")) == 1


def test_resend_renews_an_expired_invitation(admin_a, org_a, app, other_client):
    _invite(admin_a, org_a)
    clock.travel(timedelta(days=8))
    [inv] = invitations(org_a)
    assert inv["status"] == "expired"
    expired = other_client.get(last_link(app, NEW))
    assert expired.status_code == 410 and "expired" in text_of(expired)
    # An expired invitation no longer blocks a fresh one to the same address...
    assert admin_a.post(f"/acme/admin/invitations/{inv['id']}/resend").status_code == 302
    assert invitations(org_a)[0]["status"] == "pending"
    assert other_client.get(last_link(app, NEW)).status_code == 200


def test_revoke_refuses_the_link(admin_a, org_a, app, other_client):
    _invite(admin_a, org_a)
    link = last_link(app, NEW)
    [inv] = invitations(org_a)
    response = admin_a.post(f"/acme/admin/invitations/{inv['id']}/revoke")
    assert response.status_code == 302
    assert f"Invitation to {NEW} revoked." in text_of(admin_a.get(response.headers["Location"]))
    assert invitations(org_a)[0]["status"] == "revoked"
    refused = other_client.get(link)
    assert refused.status_code == 410
    assert "withdrawn" in text_of(refused)
    assert other_client.post(link, data={"name": "X", "password": PASSWORD}).status_code == 410
    assert member(org_a, NEW) is None
    [row] = audit(org_a, "invitation.revoke")
    assert row["before"] == {"status": "pending"} and row["after"] == {"status": "revoked"}
    assert row["actor_id"] == user_id("admin@acme.example")
    # A revoked invitation cannot be resent: send a new one instead.
    again = admin_a.post(f"/acme/admin/invitations/{inv['id']}/resend")
    assert again.status_code == 422
    assert "send a new one instead" in text_of(again)
    # ...and a new invitation to the same address is allowed.
    assert _invite(admin_a, org_a).status_code == 302
    assert [i["status"] for i in invitations(org_a)] == ["revoked", "pending"]


def test_revoke_an_accepted_invitation_is_refused(admin_a, org_a, app, other_client):
    _invite(admin_a, org_a)
    other_client.post(last_link(app, NEW), data={"name": "New Person", "password": PASSWORD})
    [inv] = invitations(org_a)
    response = admin_a.post(f"/acme/admin/invitations/{inv['id']}/revoke")
    assert response.status_code == 422
    assert "already accepted" in text_of(response)
    assert invitations(org_a)[0]["status"] == "accepted"


@pytest.mark.parametrize("bad", ["", "abc", "-1", "99999999", "1.5"])
def test_invalid_role_id_is_422(admin_a, org_a, app, bad):
    response = admin_a.post("/acme/admin/invitations", data={"email": NEW, "role_id": bad})
    assert response.status_code == 422
    assert "Pick a role from the list." in text_of(response)
    assert invitations(org_a) == [] and outbox(app) == [] and audit(org_a) == []


def test_role_of_another_org_is_422(admin_a, org_a, org_b, app):
    response = admin_a.post("/acme/admin/invitations", data={"email": NEW, "role_id": role_id(org_b, "Sales Rep")})
    assert response.status_code == 422
    assert "Pick a role from the list." in text_of(response)
    assert invitations(org_a) == [] and invitations(org_b) == [] and outbox(app) == []


def test_duplicate_open_invitation_is_422(admin_a, org_a, app):
    assert _invite(admin_a, org_a).status_code == 302
    response = _invite(admin_a, org_a, email="NEW.Person@example.com", role="Sales Rep")
    assert response.status_code == 422
    assert "already has an open invitation" in text_of(response)
    assert len(invitations(org_a)) == 1 and len(outbox(app)) == 1
    assert len(audit(org_a)) == 1


@pytest.mark.parametrize("email", ["sales.rep@acme.example", "Sales.Rep@ACME.example"])
def test_inviting_an_existing_member_is_422(admin_a, org_a, app, email):
    response = _invite(admin_a, org_a, email=email)
    assert response.status_code == 422
    assert "sales.rep@acme.example is already a member of Acme Inc" in text_of(response)
    assert invitations(org_a) == [] and outbox(app) == []


def test_inviting_a_deactivated_member_is_422(admin_a, org_a, app):
    rep = member(org_a, "sales.rep@acme.example")
    admin_a.post(f"/acme/admin/members/{rep['id']}/deactivate")
    response = _invite(admin_a, org_a, email="sales.rep@acme.example")
    assert response.status_code == 422
    assert "already a member" in text_of(response)


def test_member_of_another_org_can_be_invited(admin_a, org_a, org_b, app, other_client):
    assert _invite(admin_a, org_a, email="sales.rep@bravo.example").status_code == 302
    link = last_link(app, "sales.rep@bravo.example")
    # They prove their existing account with its password, and then belong to both.
    assert other_client.post(link, data={"password": PASSWORD}).status_code == 302
    assert member(org_a, "sales.rep@bravo.example")["role"] == "Support Agent"
    assert member(org_b, "sales.rep@bravo.example")["role"] == "Sales Rep"


@pytest.mark.parametrize("email", ["", "not-an-email", "a" * 250 + "@example.com"])
def test_bad_email_is_422(admin_a, org_a, app, email):
    response = _invite(admin_a, org_a, email=email)
    assert response.status_code == 422
    assert invitations(org_a) == [] and outbox(app) == []


def test_invitation_of_another_org_is_404(admin_a, org_a, org_b, app):
    bravo = login_as(app, "admin@bravo.example")
    bravo.post("/bravo/admin/invitations", data={"email": NEW, "role_id": role_id(org_b, "Sales Rep")})
    [inv] = invitations(org_b)
    assert admin_a.post(f"/acme/admin/invitations/{inv['id']}/resend").status_code == 404
    assert admin_a.post(f"/acme/admin/invitations/{inv['id']}/revoke").status_code == 404
    assert invitations(org_b)[0]["status"] == "pending" and invitations(org_b)[0]["nonce"] == inv["nonce"]
