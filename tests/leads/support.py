"""Helpers for the lead tests: create through the app, read back through the ORM."""

import sqlalchemy as sa

from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Lead
from crm.models import User
from tenants.context import org_context

HX = {"HX-Request": "true"}
RESULTS = {"HX-Request": "true", "HX-Target": "results"}


def create(client, **fields):
    data = {"first_name": "Ada", "last_name": "Lovelace", "status": "new", **fields}
    return client.post("/acme/leads/", data={k: v for k, v in data.items() if v is not None})


def lead_named(org, last_name) -> Lead | None:
    """The lead as it is now, detached: reading it later needs no organization in context."""
    with org_context(org.id):
        lead = db.session.scalar(sa.select(Lead).where(Lead.last_name == last_name))
        if lead is not None:
            db.session.expunge(lead)
        return lead


def lead_count(org, include_deleted: bool = True) -> int:
    with org_context(org.id):
        query = sa.select(sa.func.count()).select_from(Lead)
        if not include_deleted:
            query = query.where(Lead.deleted_at.is_(None))
        return db.session.scalar(query)


def events(org, lead_id) -> list[str]:
    with org_context(org.id):
        return db.session.scalars(sa.select(ActivityEvent.kind).where(ActivityEvent.lead_id == lead_id)
                                  .order_by(ActivityEvent.id)).all()


def user_id(email: str) -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == email))
