"""Factories and read-backs for the activity tests.

Everything a test checks is read back from the database inside the organization's
context after ending the test's own transaction, so nothing stale is compared.
"""

import json
from datetime import date
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import Lead
from crm.models import CompanyTag
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import LeadTag
from crm.models import Note
from crm.models import Tag
from crm.models import Task
from crm.models import User
from tests.helpers import tenant  # noqa: F401 (re-exported for the area's tests)

HX = {"HX-Request": "true"}


def make_records(org) -> SimpleNamespace:
    with tenant(org) as s:
        company = Company(name="Globex Corporation", domain="globex.example")
        s.add(company)
        s.flush()
        contact = Contact(first_name="Hank", last_name="Scorpio", email="hank@globex.example", company_id=company.id)
        loner = Contact(first_name="Solo", last_name="Person", email="solo@example.com")
        lead = Lead(first_name="Lee", last_name="Dee", email="lee@example.com", company_name="Initech")
        s.add_all([contact, loner, lead])
        s.commit()
        return SimpleNamespace(company=company.id, contact=contact.id, loner=loner.id, lead=lead.id)


def user_id(email: str) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def rows(org, model, **where) -> list:
    """Plain dicts of every row of ``model`` (deleted ones included), oldest first."""
    with tenant(org) as s:
        query = sa.select(model).order_by(model.id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return [{c.key: getattr(r, c.key) for c in sa.inspect(model).column_attrs} for r in s.scalars(query)]


def live(org, model, **where) -> list:
    return [r for r in rows(org, model, **where) if r.get("deleted_at") is None]


def events(org, **where) -> list[dict]:
    return rows(org, ActivityEvent, **where)


def count(org, model) -> int:
    with tenant(org) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def contact(org, contact_id) -> dict:
    return rows(org, Contact, id=contact_id)[0]


def toast_of(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {})


def url(kind: str, record_id: int, action: str) -> str:
    plural = {"company": "companies", "contact": "contacts", "lead": "leads"}[kind]
    return f"/acme/activity/{plural}/{record_id}/{action}"


INTERACTION = {"kind": "call", "subject": "Intro call", "body": "Talked about pricing.", "occurred_at": "2025-03-31T14:30",
               "duration_minutes": "15", "outcome": "Interested", "next_step": "Send proposal", "sentiment": "positive"}




class _Forms(HTMLParser):
    """Every form of a page as (action, {name: value}) as a browser would submit it untouched."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a.get("action", ""), {}))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.forms[-1][1][a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.forms[-1][1][self._textarea] = ""
        elif tag == "select":
            self._select = a.get("name")
            self.forms[-1][1].setdefault(self._select, None)
        elif tag == "option" and self._select:
            values = self.forms[-1][1]
            if values[self._select] is None or "selected" in a:
                values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1][1][self._textarea] += data


def form_values(html: str, action: str) -> dict:
    """What the form posting to ``action`` sends when submitted untouched (no CSRF field)."""
    parser = _Forms()
    parser.feed(html)
    [values] = [v for a, v in parser.forms if a == action]
    values.pop("csrf_token", None)
    return values


def edit_values(client, recs, interaction_id) -> dict:
    html = client.get(url("company", recs.company, "activity")).get_data(as_text=True)
    return form_values(html, f"/acme/activity/interactions/{interaction_id}")


TAG_LINKS = {"company": (CompanyTag, "company_id"), "contact": (ContactTag, "contact_id"), "lead": (LeadTag, "lead_id")}


def add_activity(session, kind: str, record_id: int, n: int, users: list[int], contacts: list, tag_prefix: str) -> None:
    """n of everything a record's activity shows, by several members: interactions, notes (one
    pinned), open and done tasks, timeline events and tags; every other item on one of
    ``contacts`` (a company's), when there are any."""
    link_model, link_column = TAG_LINKS[kind]
    for i in range(n):
        links = {f"{kind}_id": record_id}
        if contacts and i % 2:
            links["contact_id"] = contacts[i].id
        who = users[i % len(users)]
        tag = Tag(name=f"{tag_prefix}-{i}")
        session.add_all([
            Interaction(kind="call", subject=f"Call {i}", user_id=who, **links),
            Note(body=f"Note {i}", author_id=who, pinned=i == 0, **links),
            Task(title=f"Task {i}", assignee_id=who, due_on=date(2030, 1, 1) + timedelta(days=i), **links),
            Task(title=f"Done {i}", assignee_id=who, done_at=clock.now(), **links),
            ActivityEvent(kind="note.added", summary=f"Event {i}", actor_id=who, **links),
            tag,
        ])
        session.flush()
        session.add(link_model(tag_id=tag.id, **{link_column: record_id}))
