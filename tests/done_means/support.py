"""Helpers for the "Done means" audit tests of the customer records (issue 3).

Rows are written straight through the ORM inside an organization and read back as plain
values (ids, tuples), so nothing stale or detached is compared after a request.
"""


import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import Interaction
from crm.models import Lead
from crm.models import Note
from crm.models import Tag
from crm.models import Task
from crm.models import User
from tests.helpers import tenant  # noqa: F401 (re-exported for the area's tests)
from tests.helpers import counted  # noqa: F401

HX = {"HX-Request": "true"}
RESULTS = {"HX-Request": "true", "HX-Target": "results"}
ENTITIES = ("companies", "contacts", "leads")
MODELS = {"companies": Company, "contacts": Contact, "leads": Lead}
SINGULAR = {"companies": "company", "contacts": "contact", "leads": "lead"}
# A valid edit form for each list, as a member would send it.
VALID_FORM = {"companies": {"name": "Renamed", "lifecycle_stage": "lead"},
              "contacts": {"first_name": "Re", "last_name": "Named"},
              "leads": {"first_name": "Re", "last_name": "Named", "status": "new"}}


def user_id(email: str) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def make_records(org, label: str, deleted: bool = False) -> dict[str, int]:
    """A company, a contact at it and a lead, each with an interaction, a note and a task; a tag.

    Returns their ids by name ("companies", "contacts", "leads", "interaction", "note", "task", "tag").
    With ``deleted`` the records and their activity are soft-deleted just now (still undoable).
    """
    with tenant(org) as s:
        company = Company(name=f"{label} Company")
        lead = Lead(first_name=label, last_name="Lead", email=f"{label.lower()}.lead@example.com")
        tag = Tag(name=f"{label} tag")
        s.add_all([company, lead, tag])
        s.flush()
        contact = Contact(first_name=label, last_name="Contact", company_id=company.id)
        s.add(contact)
        s.flush()
        interaction = Interaction(kind="call", subject=f"{label} call", company_id=company.id)
        note = Note(body=f"{label} note", lead_id=lead.id)
        task = Task(title=f"{label} task", contact_id=contact.id, company_id=company.id)
        s.add_all([interaction, note, task])
        s.flush()
        if deleted:
            for row in (company, contact, lead, interaction, note, task):
                row.deleted_at = clock.now()
        ids = {"companies": company.id, "contacts": contact.id, "leads": lead.id, "interaction": interaction.id,
               "note": note.id, "task": task.id, "tag": tag.id}
        s.commit()
    return ids


def snapshot(org, model, record_id: int) -> dict:
    """The row's columns as plain values."""
    with tenant(org) as s:
        row = s.get(model, record_id)
        return {c.key: getattr(row, c.key) for c in sa.inspect(model).column_attrs}


def count(org, model, **where) -> int:
    with tenant(org) as s:
        query = sa.select(sa.func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return s.scalar(query)
