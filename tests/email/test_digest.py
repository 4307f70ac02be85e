"""The daily digest: tasks due today and overdue, and the notifications a member reads in the
digest; one email per member per day however often the job runs; a signed unsubscribe link."""

from datetime import timedelta

from crm import clock
from crm.extensions import db
from crm.jobs.schedule import start_for_every_organization
from crm.models import Company
from crm.models import NotificationPreference
from crm.models import Task
from crm.models import User
from crm.services.notification_preferences import choices_of
from tenants.context import org_context
from tests.email.support import ADMIN
from tests.email.support import MANAGER
from tests.email.support import REP
from tests.email.support import html_part
from tests.email.support import jobs
from tests.email.support import links_in
from tests.email.support import notify_and_commit
from tests.email.support import text_part
from tests.email.support import user_id
from tests.helpers import add_member
from tests.helpers import tenant
from tests.helpers import text_of


def add_tasks(org, email: str, prefix: str) -> None:
    """An overdue task, one due today, one due tomorrow, one without a date and one done."""
    today = clock.now().date()
    with tenant(org) as s:
        company = Company(name=f"{prefix} Prospects")
        s.add(company)
        s.flush()
        uid = user_id(email)
        s.add_all([
            Task(title=f"{prefix} overdue call", due_on=today - timedelta(days=2), assignee_id=uid, company_id=company.id),
            Task(title=f"{prefix} today demo", due_on=today, assignee_id=uid, company_id=company.id),
            Task(title=f"{prefix} tomorrow quote", due_on=today + timedelta(days=1), assignee_id=uid, company_id=company.id),
            Task(title=f"{prefix} someday idea", assignee_id=uid, company_id=company.id),
            Task(title=f"{prefix} done already", due_on=today, assignee_id=uid, company_id=company.id, done_at=clock.now()),
        ])
        s.commit()


def run_digest() -> None:
    """What the scheduler does at the digest hour: one job per organization."""
    start_for_every_organization("daily-digest", ignore_hour=True)


def test_the_digest_lists_tasks_due_today_and_overdue(org_a, inbox):
    add_tasks(org_a, REP, "Acme")
    run_digest()
    [message] = inbox.to(REP)
    assert message["Subject"].startswith("[Acme Inc] Your day: 1 task due today, 1 overdue")
    text, html = text_part(message), html_part(message)
    for part in (text, html):
        assert "Acme overdue call" in part and "Acme today demo" in part
        assert "tomorrow quote" not in part and "someday idea" not in part and "done already" not in part
    assert text.index("Overdue tasks") < text.index("Acme overdue call") < text.index("Due today") < text.index("Acme today demo")
    assert any("/acme/companies/" in link for link in links_in(text))
    assert any("/unsubscribe/" in link for link in links_in(text)) and "/unsubscribe/" in html
    assert message["List-Unsubscribe"].strip().startswith("<http")
    assert inbox.to(ADMIN) == [] and inbox.to(MANAGER) == [], "members with nothing to read get nothing"
    assert [j["status"] for j in jobs(org_a, "digest")] == ["succeeded"]


def test_running_the_digest_twice_sends_one_email_per_member_per_day(org_a, inbox):
    add_tasks(org_a, REP, "Acme")
    add_tasks(org_a, MANAGER, "Mgr")
    run_digest()
    run_digest()
    assert len(inbox.to(REP)) == 1 and len(inbox.to(MANAGER)) == 1
    clock.travel(timedelta(days=1))
    run_digest()
    assert len(inbox.to(REP)) == 2, "the next day has its own digest"


def test_a_digest_interrupted_by_the_server_resumes_without_sending_twice(org_a, inbox):
    add_tasks(org_a, REP, "Acme")
    add_tasks(org_a, MANAGER, "Mgr")
    inbox.fail_every = 2  # the second member's email fails once; the job's retry sends it
    run_digest()
    assert len(inbox.to(REP)) == 1 and len(inbox.to(MANAGER)) == 1
    [job] = jobs(org_a, "digest")
    assert job["status"] == "succeeded" and job["attempts"] == 2


def test_digest_notifications_wait_for_the_digest_and_appear_once(org_a, inbox):
    with tenant(org_a) as s:
        s.add(NotificationPreference(user_id=user_id(REP), kind="assigned", delivery="digest"))
        s.commit()
    notify_and_commit(org_a, REP, "assigned:for-digest", link="/acme/leads/")
    notify_and_commit(org_a, REP, "won:deal", kind="won")
    assert inbox.messages == []
    run_digest()
    [message] = inbox.to(REP)
    text = text_part(message)
    assert "Something for you (assigned:for-digest)" in text and "Something for you (won:deal)" in text
    assert "2 notifications" in message["Subject"]
    clock.travel(timedelta(days=1))
    run_digest()
    assert len(inbox.to(REP)) == 1, "yesterday's notifications are not news today"


def _rep_digest_state(org) -> str:
    with org_context(org.id):
        return choices_of(user_id(REP))["tasks_due"]


def _unsubscribe_path(org, inbox) -> str:
    """The path of the link in the Sales Rep's first digest."""
    add_tasks(org, REP, "Acme")
    run_digest()
    [link] = [link for link in links_in(text_part(inbox.to(REP)[0])) if "/unsubscribe/" in link]
    return link.split("localhost", 1)[1]


def test_the_unsubscribe_link_asks_then_switches_the_digest_off_without_signing_in(app, org_a, inbox):
    path = _unsubscribe_path(org_a, inbox)
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Stop the daily digest?" in text_of(page) and REP in text_of(page)
    assert _rep_digest_state(org_a) == "digest", "opening the link changes nothing"
    done = visitor.post(path)
    assert done.status_code == 200 and "Daily digest stopped" in text_of(done)
    with org_context(org_a.id):
        assert choices_of(user_id(REP))["tasks_due"] == "in_app"
        assert choices_of(user_id(REP))["won"] == "in_app"
    clock.travel(timedelta(days=1))
    run_digest()
    assert len(inbox.to(REP)) == 1, "no digest after unsubscribing"


def test_a_tampered_unsubscribe_link_is_a_clear_400(app, org_a, inbox):
    token = _unsubscribe_path(org_a, inbox).rsplit("/", 1)[1]
    visitor = app.test_client()
    for bad in (token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"), "garbage", token[:10]):
        for response in (visitor.get(f"/unsubscribe/{bad}"), visitor.post(f"/unsubscribe/{bad}")):
            assert response.status_code == 400
            assert "This unsubscribe link is not valid" in text_of(response)
    assert _rep_digest_state(org_a) == "digest"


def test_another_organizations_digest_never_lists_these_tasks(org_a, org_b, inbox):
    """A member of both organizations gets one digest from each, each with its own tasks only."""
    add_member(org_b, REP, "Sales Rep", user=db.session.get(User, user_id(REP)))
    add_tasks(org_a, REP, "Acme")
    add_tasks(org_b, REP, "Bravo")
    add_tasks(org_b, "sales.rep@bravo.example", "Bravoonly")
    run_digest()
    mails = inbox.to(REP)
    assert sorted(m["Subject"].split("]")[0] for m in mails) == ["[Acme Inc", "[Bravo GmbH"]
    for message in mails:
        mine, theirs = ("Acme", "Bravo") if message["Subject"].startswith("[Acme") else ("Bravo", "Acme")
        body = text_part(message) + html_part(message)
        assert f"{mine} today demo" in body and f"{theirs} today demo" not in body and f"{theirs} overdue" not in body
    [bravo_rep] = inbox.to("sales.rep@bravo.example")
    assert "Acme" not in text_part(bravo_rep) + html_part(bravo_rep)
    assert "/bravo/" in text_part(bravo_rep) and "/acme/" not in text_part(bravo_rep)
