"""A notification whose member wants it by email arrives once, over real SMTP, with text and
HTML parts; other preferences send nothing at once; a failing server is retried, then the
notification shows that its email failed."""

import re

import sqlalchemy as sa

from crm.models import NotificationPreference
from tests.email.support import ADMIN
from tests.email.support import MANAGER
from tests.email.support import REP
from tests.email.support import html_part
from tests.email.support import jobs
from tests.email.support import links_in
from tests.email.support import notification
from tests.email.support import notify_and_commit
from tests.email.support import text_part
from tests.email.support import user_id
from tests.helpers import tenant
from tests.helpers import text_of


def _prefer(org, email: str, kind: str, delivery: str) -> None:
    with tenant(org) as s:
        s.add(NotificationPreference(user_id=user_id(email), kind=kind, delivery=delivery))
        s.commit()


def test_an_assignment_is_emailed_at_once_with_text_html_and_a_link(admin_a, org_a, inbox):
    response = admin_a.post("/acme/leads/", data={"first_name": "Ada", "last_name": "Lovelace", "status": "new",
                                                  "owner_id": str(user_id(REP))})
    assert response.status_code == 303
    [message] = inbox.to(REP)
    assert message["Subject"] == "[Acme Inc] Admin assigned you the lead “Ada Lovelace”"
    text, html = text_part(message), html_part(message)
    assert "Admin assigned you the lead “Ada Lovelace”" in text
    assert "Ada Lovelace" in html and "<a href=" in html
    lead_link = [link for link in links_in(text) if "/acme/leads/" in link][0]
    assert re.match(r"https?://localhost/acme/leads/\d+$", lead_link)
    assert any(link.endswith("/acme/notifications/preferences") for link in links_in(text))
    state = notification(org_a, int(message["X-CRM-Notification"]))
    assert state["status"] == "sent" and state["attempts"] == 1 and state["emailed_at"] is not None
    assert inbox.to(ADMIN) == [], "the member who acted is not notified"


def test_a_mention_stays_in_the_app_by_default(org_a, inbox):
    notification_id = notify_and_commit(org_a, REP, "mention:1", kind="mention")
    assert inbox.messages == []
    assert notification(org_a, notification_id)["status"] == "none"
    assert jobs(org_a, "email") == []


def test_in_app_only_sends_no_email_and_digest_waits_for_the_digest(org_a, inbox):
    _prefer(org_a, REP, "assigned", "in_app")
    _prefer(org_a, MANAGER, "assigned", "digest")
    rep_note = notify_and_commit(org_a, REP, "assigned:rep")
    manager_note = notify_and_commit(org_a, MANAGER, "assigned:manager")
    assert inbox.messages == []
    assert notification(org_a, rep_note)["status"] == "none"
    assert notification(org_a, manager_note)["status"] == "none"


def test_email_for_a_kind_that_defaults_to_the_app(org_a, inbox):
    _prefer(org_a, REP, "mention", "email")
    notify_and_commit(org_a, REP, "mention:2", kind="mention")
    [message] = inbox.to(REP)
    assert "Something for you (mention:2)" in text_part(message)


def test_a_server_that_keeps_failing_is_retried_then_the_email_shows_failed(admin_a, org_a, inbox):
    inbox.fail_every = 1
    notification_id = notify_and_commit(org_a, REP, "assigned:down")
    state = notification(org_a, notification_id)
    assert inbox.messages == [] and inbox.data_calls == 3
    assert state["status"] == "failed" and state["attempts"] == 3 and "451" in state["error"]
    [job] = jobs(org_a, "email")
    assert job["status"] == "failed" and job["attempts"] == 3
    page = text_of(admin_a.get("/acme/admin/jobs"))
    assert "Try again later" in page


def test_a_server_that_recovers_delivers_when_an_admin_retries(admin_a, org_a, inbox):
    inbox.fail_every = 1
    notification_id = notify_and_commit(org_a, REP, "assigned:flaky")
    assert notification(org_a, notification_id)["status"] == "failed"
    inbox.fail_every = 0
    [job] = jobs(org_a, "email")
    assert admin_a.post(f"/acme/admin/jobs/{job['id']}/retry").status_code in (200, 303)
    assert len(inbox.to(REP)) == 1
    assert notification(org_a, notification_id)["status"] == "sent"


def test_a_refused_address_fails_at_once_without_retries(org_a, inbox):
    inbox.refuse.add(REP)
    notification_id = notify_and_commit(org_a, REP, "assigned:refused")
    state = notification(org_a, notification_id)
    assert state["status"] == "failed" and state["attempts"] == 1 and "550" in state["error"]
    [job] = jobs(org_a, "email")
    assert job["status"] == "failed" and job["attempts"] == 1
    assert "refused this email for good" in job["error"]


def test_a_member_who_left_before_the_email_went_out_gets_none(org_a, inbox):
    from crm.models import Membership
    from crm.services.notifications import notify

    with tenant(org_a) as s:
        n = notify(user_id(REP), "assigned", "Before leaving", None, "assigned:leaver")
        s.flush()
        notification_id = n.id
        s.scalar(sa.select(Membership).where(Membership.user_id == user_id(REP))).active = False
        s.commit()
    assert inbox.messages == []
    assert notification(org_a, notification_id)["status"] == "none"


def test_the_member_sees_on_the_notifications_page_that_the_email_failed(app, org_a, inbox):
    inbox.refuse.add(REP)
    notify_and_commit(org_a, REP, "assigned:visible")
    rep = app.test_client()
    rep.login(REP)
    assert "the email about this could not be delivered" in text_of(rep.get("/acme/notifications/"))
