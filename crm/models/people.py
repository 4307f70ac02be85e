"""Companies and the people in them (contacts, with several emails and phone numbers)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from crm.models.base import RecordBase
from crm.models.base import owner_column
from crm.models.base import reference_index
from crm.models.base import search_indexes
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped
from tenants.scoping import tenant_fk

SIZE_BANDS = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
TIERS = ("Standard", "Premium", "Enterprise")
LIFECYCLE_STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist", "churned", "other")
CONTACT_METHODS = ("email", "phone", "sms", "meeting", "none")
EMAIL_KINDS = ("work", "personal", "other")
PHONE_KINDS = ("mobile", "work", "home", "other")


class Company(RecordBase, TenantScoped, db.Model):
    __tablename__ = "companies"
    __tenant_table_args__ = (
        sa.Index("ix_companies_org_id_name_id", "org_id", "name", "id"),
        sa.Index("ix_companies_org_id_domain", "org_id", "domain"),
        sa.Index("ix_companies_org_id_lifecycle_stage", "org_id", "lifecycle_stage"),
        sa.Index("ix_companies_org_id_owner_id", "org_id", "owner_id"),
        sa.Index("ix_companies_org_id_created_at_id", "org_id", "created_at", "id"),
        # The search's case-insensitive prefix indexes (PostgreSQL only, migration 0005).
        *search_indexes("companies", ("name", "domain")),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    domain: Mapped[str | None] = mapped_column(sa.String(253))
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    size_band: Mapped[str | None] = mapped_column(sa.String(20))
    segment: Mapped[str | None] = mapped_column(sa.String(20))
    tier: Mapped[str | None] = mapped_column(sa.String(20))
    lifecycle_stage: Mapped[str] = mapped_column(sa.String(20), default="lead")
    street: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    country: Mapped[str | None] = mapped_column(sa.String(100))
    owner_id: Mapped[int | None] = owner_column()
    custom_fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    owner = relationship("User", foreign_keys=[owner_id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Company {self.name}>"


class Contact(RecordBase, TenantScoped, db.Model):
    __tablename__ = "contacts"
    __tenant_table_args__ = (
        tenant_fk("company_id", "companies"),
        tenant_fk("merged_into_id", "contacts"),
        reference_index("contacts", "merged_into_id"),
        sa.Index("ix_contacts_org_id_last_name_id", "org_id", "last_name", "id"),
        sa.Index("ix_contacts_org_id_company_id", "org_id", "company_id"),
        sa.Index("ix_contacts_org_id_email", "org_id", "email"),
        sa.Index("ix_contacts_org_id_phone", "org_id", "phone"),
        sa.Index("ix_contacts_org_id_owner_id", "org_id", "owner_id"),
        sa.Index("ix_contacts_org_id_created_at_id", "org_id", "created_at", "id"),
        *search_indexes("contacts", ("first_name", "last_name", "email", "phone")),
    )

    company_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    title: Mapped[str | None] = mapped_column(sa.String(120))
    # The primary email and phone, copied here for lists, search and duplicate checks.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    preferred_contact_method: Mapped[str | None] = mapped_column(sa.String(10))
    last_contacted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    owner_id: Mapped[int | None] = owner_column()
    merged_into_id: Mapped[int | None] = mapped_column(sa.BigInteger)

    company = relationship(Company, primaryjoin="Company.id == foreign(Contact.company_id)", lazy="raise")
    owner = relationship("User", foreign_keys=[owner_id], lazy="raise")
    emails = relationship("ContactEmail", back_populates="contact", cascade="all, delete-orphan",
                          order_by="(ContactEmail.is_primary.desc(), ContactEmail.id)", lazy="raise")
    phones = relationship("ContactPhone", back_populates="contact", cascade="all, delete-orphan",
                          order_by="(ContactPhone.is_primary.desc(), ContactPhone.id)", lazy="raise")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or (self.email or "(no name)")

    def __repr__(self) -> str:
        return f"<Contact {self.full_name}>"


class ContactEmail(TenantScoped, db.Model):
    __tablename__ = "contact_emails"
    __tenant_table_args__ = (
        tenant_fk("contact_id", "contacts", ondelete="CASCADE"),
        sa.Index("ix_contact_emails_org_id_email", "org_id", "email"),
        sa.Index("ix_contact_emails_org_id_contact_id", "org_id", "contact_id"),
        *search_indexes("contact_emails", ("email",)),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.BigInteger)
    email: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(sa.String(10), default="work")
    is_primary: Mapped[bool] = mapped_column(default=False)

    contact = relationship(Contact, primaryjoin="Contact.id == foreign(ContactEmail.contact_id)", back_populates="emails")


class ContactPhone(TenantScoped, db.Model):
    __tablename__ = "contact_phones"
    __tenant_table_args__ = (
        tenant_fk("contact_id", "contacts", ondelete="CASCADE"),
        sa.Index("ix_contact_phones_org_id_number", "org_id", "number"),
        sa.Index("ix_contact_phones_org_id_contact_id", "org_id", "contact_id"),
        *search_indexes("contact_phones", ("number",)),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.BigInteger)
    number: Mapped[str] = mapped_column(sa.String(20))  # E.164
    kind: Mapped[str] = mapped_column(sa.String(10), default="mobile")
    is_primary: Mapped[bool] = mapped_column(default=False)

    contact = relationship(Contact, primaryjoin="Contact.id == foreign(ContactPhone.contact_id)", back_populates="phones")
