"""Factories and read-backs for the activity tests.

Everything a test checks is read back from the database inside the organization's
context after ending the test's own transaction, so nothing stale is compared.
"""

import json
from contextlib import contextmanager
from types import SimpleNamespace

import sqlalchemy as sa

from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import Interaction
from crm.models import Lead
from crm.models import Note
from crm.models import Notification
from crm.models import Tag
from crm.models import Task
from crm.models import User
from tenants.context import org_context

HX = {"HX-Request": "true"}


@contextmanager
def tenant(org):
    db.session.rollback()
    with org_context(org.id):
        yield db.session
    db.session.rollback()


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

__all__ = ["HX", "INTERACTION", "Interaction", "Note", "Notification", "Tag", "Task", "contact", "count", "events",
           "live", "make_records", "rows", "tenant", "toast_of", "url", "user_id"]
