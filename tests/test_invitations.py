"""Accepting invitations: signed, single use, 7 days, the role the admin chose."""

import re
from datetime import timedelta

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Membership
from crm.models import Role
from crm.models import User
from tenants.context import org_context
from tenants.context import unscoped
from tests.helpers import PASSWORD
from tests.helpers import make_user
from tests.helpers import text_of


def _invite(admin_client, org, email: str, role_name: str = "Sales Rep") -> str:
    with org_context(org.id):
        role_id = db.session.scalar(sa.select(Role.id).where(Role.name == role_name))
    response = admin_client.post(f"/{org.slug}/admin/invitations", data={"email": email, "role_id": str(role_id)})
    assert response.status_code == 302, text_of(response)
    message = admin_client.application.extensions["crm_outbox"][-1]
    assert message["To"] == email
    link = re.search(r"https?://\S+/invitations/\S+", message.get_body(("plain",)).get_content()).group(0)
    return link.split("localhost", 1)[1]


def _role_of(org, email: str) -> str | None:
    with org_context(org.id):
        return db.session.scalar(sa.select(Role.name).join(Membership, Membership.role_id == Role.id)
                                 .join(User, User.id == Membership.user_id).where(User.email == email))


def test_invitee_sets_a_password_and_joins_with_the_chosen_role(admin_a, other_client, org_a):
    path = _invite(admin_a, org_a, "newbie@example.com", "Sales Manager")
    page = other_client.get(path)
    assert page.status_code == 200 and "Sales Manager" in text_of(page)
    response = other_client.post(path, data={"name": "New Bie", "password": "fresh password 123"})
    assert response.status_code == 302 and response.location.endswith("/acme/")
    assert "Sales Manager" in text_of(other_client.get("/acme/"))
    assert _role_of(org_a, "newbie@example.com") == "Sales Manager"


def test_an_invitation_works_only_once(admin_a, other_client, client, org_a):
    path = _invite(admin_a, org_a, "once@example.com")
    other_client.post(path, data={"name": "Once", "password": "fresh password 123"})
    again = admin_a.application.test_client()
    response = again.get(path)
    assert response.status_code == 410 and "already used" in text_of(response)
    response = again.post(path, data={"name": "Twice", "password": "another password 1"})
    assert response.status_code == 410
    with unscoped():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "once@example.com")) == 1


def test_an_invitation_expires_after_seven_days(admin_a, other_client, org_a):
    path = _invite(admin_a, org_a, "late@example.com")
    clock.travel(timedelta(days=7, minutes=1))
    response = other_client.get(path)
    assert response.status_code == 410 and "expired" in text_of(response)
    assert other_client.post(path, data={"name": "Late", "password": "fresh password 123"}).status_code == 410
    assert _role_of(org_a, "late@example.com") is None


def test_a_tampered_or_garbage_link_is_refused(admin_a, other_client, org_a):
    path = _invite(admin_a, org_a, "tamper@example.com")
    token = path.rsplit("/", 1)[1]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage", "W10.xyz"):
        response = other_client.get(f"/invitations/{bad}")
        assert response.status_code == 404 and "not valid" in text_of(response)


def test_a_revoked_invitation_is_refused(admin_a, other_client, org_a):
    path = _invite(admin_a, org_a, "revoked@example.com")
    with org_context(org_a.id):
        from crm.models import Invitation

        invitation_id = db.session.scalar(sa.select(Invitation.id).where(Invitation.email == "revoked@example.com"))
    admin_a.post(f"/acme/admin/invitations/{invitation_id}/revoke")
    response = other_client.get(path)
    assert response.status_code == 410 and "withdrawn" in text_of(response)


def test_weak_password_on_acceptance_is_refused_and_nothing_is_written(admin_a, other_client, org_a):
    path = _invite(admin_a, org_a, "weak@example.com")
    response = other_client.post(path, data={"name": "Weak", "password": "short"})
    assert response.status_code == 422 and "at least 12 characters" in text_of(response)
    response = other_client.post(path, data={"name": "", "password": "fresh password 123"})
    assert response.status_code == 422 and "your name" in text_of(response)
    with unscoped():
        assert db.session.scalar(sa.select(User).where(User.email == "weak@example.com")) is None
    assert other_client.post(path, data={"name": "Weak", "password": "fresh password 123"}).status_code == 302


def test_someone_with_an_account_joins_with_their_existing_password(admin_a, other_client, org_a, org_b):
    path = _invite(admin_a, org_a, "admin@bravo.example", "Support Agent")
    page = other_client.get(path)
    assert "already have an account" in text_of(page)
    wrong = other_client.post(path, data={"password": "not my password"})
    assert wrong.status_code == 422
    response = other_client.post(path, data={"password": PASSWORD})
    assert response.status_code == 302
    assert _role_of(org_a, "admin@bravo.example") == "Support Agent"
    assert _role_of(org_b, "admin@bravo.example") == "Administrator", "their own organization is untouched"


def test_inviting_an_existing_member_is_refused(admin_a, org_a):
    with org_context(org_a.id):
        role_id = db.session.scalar(sa.select(Role.id).where(Role.name == "Sales Rep"))
    response = admin_a.post("/acme/admin/invitations", data={"email": "sales.rep@acme.example", "role_id": str(role_id)})
    assert response.status_code == 422 and "already a member" in text_of(response)


def test_a_role_of_another_organization_cannot_be_offered(admin_a, org_a, org_b):
    with org_context(org_b.id):
        foreign_role = db.session.scalar(sa.select(Role.id).where(Role.name == "Administrator"))
    make_user("sneaky@example.com")
    db.session.commit()
    response = admin_a.post("/acme/admin/invitations", data={"email": "sneaky@example.com", "role_id": str(foreign_role)})
    assert response.status_code == 422 and "Pick a role" in text_of(response)
