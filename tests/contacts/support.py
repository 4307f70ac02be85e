"""Factories and lookups shared by the contact tests."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from tenants.context import org_context

HX = {"HX-Request": "true"}
RESULTS = {"HX-Request": "true", "HX-Target": "results"}


def create(client, headers=None, **fields):
    """POST the new-contact form (Ada Lovelace unless told otherwise)."""
    data = {"first_name": "Ada", "last_name": "Lovelace", **fields}
    return client.post("/acme/contacts/", data=data, headers=headers or {})


def find(org, last_name) -> Contact | None:
    """The live or deleted contact with this last name, with its emails and phones loaded."""
    with org_context(org.id):
        return db.session.scalars(sa.select(Contact).where(Contact.last_name == last_name)
                                  .options(selectinload(Contact.emails), selectinload(Contact.phones))
                                  .execution_options(populate_existing=True)).one_or_none()


def contact_count(org) -> int:
    with org_context(org.id):
        return db.session.scalar(sa.select(sa.func.count()).select_from(Contact))


def make_company(org, name) -> int:
    with org_context(org.id):
        company = Company(name=name)
        db.session.add(company)
        db.session.commit()
        return company.id


def make_contact(org, first_name, last_name, email=None, phone=None, **fields) -> int:
    """A contact written directly (not through the app), with a primary email and phone if given."""
    with org_context(org.id):
        contact = Contact(first_name=first_name, last_name=last_name, email=email, phone=phone, **fields)
        if email:
            contact.emails.append(ContactEmail(email=email, kind="work", is_primary=True))
        if phone:
            contact.phones.append(ContactPhone(number=phone, kind="mobile", is_primary=True))
        db.session.add(contact)
        db.session.commit()
        return contact.id
