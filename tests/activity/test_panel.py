"""The activity panel: loaded in a fixed number of queries; the timeline, newest first."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import Lead
from crm.models import Note
from crm.models import User
from crm.services.activity import panel_context
from tenants.context import org_context
from tests.activity.support import HX
from tests.activity.support import INTERACTION
from tests.activity.support import add_activity
from tests.activity.support import url
from tests.helpers import add_member
from tests.helpers import counted
from tests.helpers import text_of

MODELS = {"company": Company, "contact": Contact, "lead": Lead}


def _fill(org, kind: str, n: int) -> int:
    """A fresh record of ``kind`` with n interactions, notes (authored), open and done tasks (assigned),
    tags and timeline events (with actors); on a company, half of it logged on its contacts."""
    users = db.session.scalars(sa.select(User.id).order_by(User.id)).all()
    with org_context(org.id):
        record = {"company": lambda: Company(name="Filled"), "contact": lambda: Contact(first_name="Filled"),
                  "lead": lambda: Lead(first_name="Filled")}[kind]()
        db.session.add(record)
        db.session.flush()
        contacts = []
        if kind == "company":
            contacts = [Contact(first_name=f"C{i}", company_id=record.id) for i in range(n)]
            db.session.add_all(contacts)
            db.session.flush()
        add_activity(db.session, kind, record.id, n, users, contacts, f"{kind}-{n}")
        db.session.commit()
        return record.id


def _queries_for_panel(app, org_id: int, kind: str, record_id: int) -> tuple[int, dict]:
    db.session.remove()  # an empty identity map, as at the start of a request
    with app.test_request_context(), org_context(org_id):
        record = db.session.get(MODELS[kind], record_id)
        with counted() as statements:
            panel = panel_context(kind, record)
            # Everything the templates read: no lazy load may be left (relationships raise anyway).
            for i in panel["interactions"]:
                assert i.user.name
            for n in panel["notes"]:
                assert n.author.name
            for t in panel["tasks"] + panel["done_tasks"]:
                assert t.assignee.name
            for e in panel["events"]:
                assert e.actor.name
        sizes = {k: len(panel[k]) for k in ("interactions", "notes", "tasks", "done_tasks", "tags", "events", "members")}
    db.session.remove()
    return len(statements), sizes


@pytest.mark.parametrize("kind", ["company", "contact", "lead"])
def test_panel_context_takes_the_same_number_of_queries_for_1_and_30_items(app, org_a, kind):
    add_member(org_a, "extra@acme.example", "Sales Rep")
    one = _fill(org_a, kind, 1)
    thirty = _fill(org_a, kind, 30)
    org_id = org_a.id
    queries_one, sizes_one = _queries_for_panel(app, org_id, kind, one)
    queries_thirty, sizes_thirty = _queries_for_panel(app, org_id, kind, thirty)
    assert sizes_one == {"interactions": 1, "notes": 1, "tasks": 1, "done_tasks": 1, "tags": 1, "events": 1, "members": 5}
    assert sizes_thirty == {"interactions": 30, "notes": 30, "tasks": 30, "done_tasks": 10, "tags": 30, "events": 30,
                            "members": 5}
    assert queries_one == queries_thirty
    # organization (timezone), interactions, notes, open tasks, done tasks, members, record tags, all tags,
    # timeline; a company also names the contacts and the deals its items were logged on.
    assert queries_thirty == (11 if kind == "company" else 9)


def test_the_rendered_company_page_names_the_contacts(app, admin_a, org_a):
    company_id = _fill(org_a, "company", 4)
    text = text_of(admin_a.get(url("company", company_id, "activity")))
    assert "with C1" in text and "with C3" in text and "on C1" in text


def test_the_timeline_is_newest_first_and_a_companys_includes_its_contacts(admin_a, org_a, recs):
    admin_a.post(url("company", recs.company, "notes"), data={"body": "On the company"}, headers=HX)
    clock.travel(timedelta(minutes=1))
    admin_a.post(url("contact", recs.contact, "interactions"), data={**INTERACTION, "subject": "With Hank"}, headers=HX)
    clock.travel(timedelta(minutes=1))
    admin_a.post(url("contact", recs.loner, "notes"), data={"body": "Someone else entirely"}, headers=HX)
    admin_a.post(url("lead", recs.lead, "notes"), data={"body": "A lead"}, headers=HX)
    response = admin_a.get(url("company", recs.company, "timeline"), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="activity-timeline"')
    assert 'hx-trigger="activity-changed from:body"' in html
    text = text_of(response)
    assert text.index("Call logged with Hank Scorpio: “With Hank”") < text.index("Note added: “On the company”")
    assert "Someone else" not in text and "A lead" not in text
    contact_text = text_of(admin_a.get(url("contact", recs.contact, "timeline"), headers=HX))
    assert "With Hank" in contact_text and "On the company" not in contact_text


def test_the_timeline_without_htmx_is_a_page(admin_a, recs):
    response = admin_a.get(url("lead", recs.lead, "timeline"))
    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)
    assert "Nothing has happened here yet." in text_of(response)


def test_the_timeline_shows_the_latest_50(app, admin_a, org_a, recs):
    with org_context(org_a.id):
        for i in range(60):
            db.session.add(ActivityEvent(kind="note.added", summary=f"Event number {i:02d}", lead_id=recs.lead,
                                         occurred_at=clock.now() + timedelta(seconds=i)))
        db.session.commit()
    text = text_of(admin_a.get(url("lead", recs.lead, "timeline"), headers=HX))
    assert "Event number 59" in text and "Event number 10" in text and "Event number 09" not in text
    assert "Showing the latest 50 events." in text


def test_each_change_tells_the_timeline_to_reload(admin_a, recs):
    import json

    response = admin_a.post(url("company", recs.company, "notes"), data={"body": "x"}, headers=HX)
    assert json.loads(response.headers["HX-Trigger"])["activity-changed"] is True


def test_a_panel_can_be_read_without_a_signed_in_member(app, org_a, recs):
    """Jobs and other services can read a panel without a signed-in user."""
    with app.test_request_context(), org_context(org_a.id):
        panel = panel_context("contact", db.session.get(Contact, recs.contact))
    assert panel["interactions"] == [] and panel["kind"] == "contact" and panel["key"] == {"contact_id": recs.contact}
