"""Leads: people not yet qualified, from first touch to conversion."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import validates

from crm.models.base import LIVE
from crm.models.base import RecordBase
from crm.models.base import owner_column
from crm.models.base import reference_index
from crm.models.base import search_indexes
from crm.models.products import Money
from tenants.db import db
from tenants.scoping import TenantScoped
from tenants.scoping import tenant_fk

LEAD_STATUSES = ("new", "working", "qualified", "unqualified", "converted")
LEAD_SOURCES = ("website", "referral", "event", "webinar", "cold_call", "partner", "advertising", "social", "import", "other")
GRADES = ("A", "B", "C", "D")


def lead_name(first_name: str | None, last_name: str | None, email: str | None) -> str:
    """What a lead is called on screen (also for list rows read as plain columns)."""
    return " ".join(p for p in (first_name, last_name) if p) or (email or "(no name)")


def _scoring_field(name: str) -> property:
    """A read-only field of the lead's score row, None while it has none."""
    return property(lambda lead: getattr(lead.scoring, name) if lead.scoring is not None else None)


class Lead(RecordBase, TenantScoped, db.Model):
    __tablename__ = "leads"
    __tenant_table_args__ = (
        tenant_fk("merged_into_id", "leads"),
        reference_index("leads", "merged_into_id"),
        # The list page's default and filtered orders, newest first; all lead with org_id. Live
        # leads only, so the list's counts are index-only scans (migration 0004).
        sa.Index("ix_leads_org_id_created_at_id", "org_id", "created_at", "id", **LIVE),
        sa.Index("ix_leads_org_id_status_created_at_id", "org_id", "status", "created_at", "id", **LIVE),
        sa.Index("ix_leads_org_id_owner_id_created_at_id", "org_id", "owner_id", "created_at", "id", **LIVE),
        sa.Index("ix_leads_org_id_source_created_at_id", "org_id", "source", "created_at", "id", **LIVE),
        sa.Index("ix_leads_org_id_last_name_id", "org_id", "last_name", "id"),
        sa.Index("ix_leads_org_id_email", "org_id", "email"),
        sa.Index("ix_leads_org_id_phone", "org_id", "phone"),
        tenant_fk("converted_company_id", "companies"),
        tenant_fk("converted_contact_id", "contacts"),
        # Opportunities point back at their lead: created after both tables, to break the cycle.
        tenant_fk("converted_opportunity_id", "opportunities", use_alter=True,
                  name="fk_leads_org_id_converted_opportunity_id_opportunities"),
        sa.CheckConstraint("budget IS NULL OR budget >= 0", name="budget_not_negative"),
        # Behind the conversion keys, so deleting a company, contact or deal reads no lead table scan.
        *(reference_index("leads", column)
          for column in ("converted_company_id", "converted_contact_id", "converted_opportunity_id")),
        # The campaign a lead was imported into (migration 0008).
        tenant_fk("campaign_id", "campaigns"),
        reference_index("leads", "campaign_id"),
        # The search's case-insensitive prefix indexes (PostgreSQL only, migration 0004).
        *search_indexes("leads", ("first_name", "last_name", "email", "company_name", "phone")),
    )

    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    company_name: Mapped[str | None] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(120))
    source: Mapped[str | None] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(12), default="new")
    owner_id: Mapped[int | None] = owner_column()
    # What lead scoring's fit is read from (migration 0009); the score itself is in lead_scores.
    company_size: Mapped[str | None] = mapped_column(sa.String(20))  # a band of crm.models.people.SIZE_BANDS
    country: Mapped[str | None] = mapped_column(sa.String(100))
    custom_fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    merged_into_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    campaign_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Qualification (BANT): what they can spend, who decides, what they need, by when.
    budget: Mapped[Decimal | None] = mapped_column(Money)
    authority: Mapped[str | None] = mapped_column(sa.String(200))
    need: Mapped[str | None] = mapped_column(sa.String(1000))
    timeline: Mapped[str | None] = mapped_column(sa.String(200))
    qualified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Conversion: what the lead became. Set once, in the same transaction as the new records.
    converted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    converted_company_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    converted_contact_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    converted_opportunity_id: Mapped[int | None] = mapped_column(sa.BigInteger)

    owner = relationship("User", foreign_keys=[owner_id], lazy="raise")
    # The current score (crm.models.scoring.LeadScore, migration 0012), None until the first
    # scoring. Loaded on first use (one query for a lead's page); lists of leads join it.
    scoring = relationship("LeadScore", uselist=False, passive_deletes=True)

    # The score as the lead's own read-only fields, for pages and the export.
    score = _scoring_field("total")
    grade = _scoring_field("grade")
    score_fit = _scoring_field("fit")
    score_engagement = _scoring_field("engagement")
    score_activity = _scoring_field("activity")
    scored_at = _scoring_field("scored_at")

    @property
    def full_name(self) -> str:
        return lead_name(self.first_name, self.last_name, self.email)

    @validates("email")
    def _lower_case_email(self, _key: str, email: str | None) -> str | None:
        """Stored lower-cased whoever sets it (the forms already do): the import's duplicate check
        compares lowered emails exactly, through the plain (org_id, email) index."""
        return email.strip().lower() if email else email

    def __repr__(self) -> str:
        return f"<Lead {self.full_name}>"
