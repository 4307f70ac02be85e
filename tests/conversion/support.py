"""Factories and read-backs for the conversion tests: records are made through the ORM as one
organization, and everything checked is read back fresh from the database."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa

from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadTag
from crm.models import Note
from crm.models import Opportunity
from crm.models import OpportunityTag
from crm.models import PipelineStage
from crm.models import Tag
from crm.models import Task
from crm.models import User
from tests.helpers import tenant

HX = {"HX-Request": "true"}
BANT = {"budget": Decimal("12000.00"), "authority": "Head of Operations signs", "need": "Replace spreadsheets",
        "timeline": "This quarter"}


def user_id(org, email: str) -> int:
    with tenant(org) as s:
        return s.scalar(sa.select(User.id).where(User.email == email))


def make_lead(org, *, qualified: bool = True, status: str | None = None, **fields) -> int:
    """A lead of ``org`` (qualified, with all of BANT, unless told otherwise); its id."""
    values = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.example",
              "phone": "+14155550100", "title": "Countess", "company_name": "Analytical Engines",
              "source": "referral", **(BANT if qualified else {}), **fields}
    with tenant(org) as s:
        owner = s.scalar(sa.select(User.id).where(User.email == "sales.rep@acme.example"))
        values.setdefault("owner_id", owner)
        lead = Lead(status=status or ("qualified" if qualified else "working"), **values)
        s.add(lead)
        s.commit()
        return lead.id


def add_history(org, lead_id: int) -> SimpleNamespace:
    """Two interactions, a note, a task and two tags on the lead."""
    with tenant(org) as s:
        tags = [Tag(name="VIP"), Tag(name="Trade show")]
        s.add_all(tags)
        s.flush()
        s.add_all([LeadTag(lead_id=lead_id, tag_id=t.id) for t in tags])
        s.add_all([Interaction(kind="call", subject="Discovery call", lead_id=lead_id),
                   Interaction(kind="email", subject="Sent pricing", lead_id=lead_id),
                   Note(body="Met at the fair", lead_id=lead_id),
                   Task(title="Send the proposal", lead_id=lead_id, due_on=date(2030, 1, 1))])
        s.commit()
        return SimpleNamespace(tag_ids=sorted(t.id for t in tags))


def lead(org, lead_id: int) -> Lead:
    with tenant(org) as s:
        row = s.get(Lead, lead_id)
        s.expunge(row)
        return row


def counts(org) -> dict:
    with tenant(org) as s:
        return {name: s.scalar(sa.select(sa.func.count()).select_from(model))
                for name, model in (("companies", Company), ("contacts", Contact), ("opportunities", Opportunity))}


def first_open_stage(org) -> int:
    with tenant(org) as s:
        return s.scalar(sa.select(PipelineStage.id).where(PipelineStage.kind == "open")
                        .order_by(PipelineStage.position, PipelineStage.id).limit(1))


def carried(org, lead_id: int) -> dict:
    """Where the lead's interactions, notes and tasks point now, and the tags of what it became."""
    with tenant(org) as s:
        row = s.get(Lead, lead_id)
        links = set()
        for model in (Interaction, Note, Task):
            links |= set(s.execute(sa.select(model.lead_id, model.contact_id, model.company_id, model.opportunity_id)
                                   .where(model.lead_id == lead_id)).all())
        return {
            "links": links,
            "contact_tags": sorted(s.scalars(sa.select(ContactTag.tag_id).where(
                ContactTag.contact_id == row.converted_contact_id))),
            "opportunity_tags": sorted(s.scalars(sa.select(OpportunityTag.tag_id).where(
                OpportunityTag.opportunity_id == row.converted_opportunity_id))),
        }


def event_kinds(org, **where) -> list[str]:
    with tenant(org) as s:
        column, value = next(iter(where.items()))
        return s.scalars(sa.select(ActivityEvent.kind).where(getattr(ActivityEvent, column) == value)
                         .order_by(ActivityEvent.id)).all()


def convert_form(org, **fields) -> dict:
    """What the convert page posts by default: a new company and contact, the first open stage."""
    return {"company": "new", "company_name": "Analytical Engines", "contact": "new",
            "name": "Analytical Engines - Ada Lovelace", "value": "12000.00", "stage_id": str(first_open_stage(org)),
            "expected_close_on": "2030-06-30", "owner_id": str(user_id(org, "sales.rep@acme.example")), **fields}
