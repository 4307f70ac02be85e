"""Invitations are emailed by a job after the invitation is saved: the email arrives over SMTP,
and a failing mail server leaves the invitation in place, retries, and shows the failure."""

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.jobs.email import send_invitation_email
from crm.models import Invitation
from crm.models import Role
from tests.email.support import html_part
from tests.email.support import jobs
from tests.email.support import links_in
from tests.email.support import text_part
from tenants.context import org_context
from tests.helpers import tenant
from tests.helpers import text_of


def _invite(client, org, email: str):
    with tenant(org) as s:
        role_id = s.scalar(sa.select(Role.id).where(Role.name == "Support Agent"))
    return client.post(f"/{org.slug}/admin/invitations", data={"email": email, "role_id": str(role_id)})


def _invitations(org) -> list[str]:
    with tenant(org) as s:
        return list(s.scalars(sa.select(Invitation.email)))


def test_the_invitation_arrives_from_the_job(app, admin_a, org_a, inbox):
    assert _invite(admin_a, org_a, "newcomer@example.com").status_code == 302
    [message] = inbox.to("newcomer@example.com")
    assert "Acme Inc" in text_part(message) and "Support Agent" in html_part(message)
    [link] = [link for link in links_in(text_part(message)) if "/invitations/" in link]
    page = app.test_client().get(link.split("localhost", 1)[1])
    assert page.status_code == 200 and "Support Agent" in text_of(page)
    [job] = jobs(org_a, "invitation_email")
    assert job["status"] == "succeeded" and job["attempts"] == 1
    assert not app.extensions.get("crm_outbox"), "nothing fell back to the log"


def test_a_failing_mail_server_keeps_the_invitation_retries_and_shows_the_failure(admin_a, org_a, inbox):
    inbox.fail_every = 1
    response = _invite(admin_a, org_a, "unlucky@example.com")
    assert response.status_code == 302
    assert _invitations(org_a) == ["unlucky@example.com"]
    assert inbox.messages == [] and inbox.data_calls == 3
    [job] = jobs(org_a, "invitation_email")
    assert job["status"] == "failed" and job["attempts"] == 3 and "451" in job["error"]
    page = text_of(admin_a.get("/acme/admin/jobs"))
    assert "Invitation email" in page and "Try again later" in page
    inbox.fail_every = 0
    admin_a.post(f"/acme/admin/jobs/{job['id']}/retry")
    assert len(inbox.to("unlucky@example.com")) == 1


def test_a_resend_emails_the_new_link(admin_a, org_a, inbox):
    _invite(admin_a, org_a, "twice@example.com")
    with tenant(org_a) as s:
        invitation_id = s.scalar(sa.select(Invitation.id))
    assert admin_a.post(f"/acme/admin/invitations/{invitation_id}/resend").status_code in (200, 302, 303)
    first, second = inbox.to("twice@example.com")
    old, new = ([l for l in links_in(text_part(m)) if "/invitations/" in l][0] for m in (first, second))
    assert old != new
    assert [j["status"] for j in jobs(org_a, "invitation_email")] == ["succeeded", "succeeded"]


def test_a_revoked_invitation_is_not_emailed_by_a_late_job(admin_a, org_a, inbox):
    _invite(admin_a, org_a, "gone@example.com")
    with tenant(org_a) as s:
        invitation = s.scalar(sa.select(Invitation))
        invitation.revoked_at = clock.now()
        s.commit()
        invitation_id = invitation.id
    with org_context(org_a.id):
        send_invitation_email(invitation_id)
        db.session.rollback()
    assert len(inbox.to("gone@example.com")) == 1
