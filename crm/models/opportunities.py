"""Opportunities: deals moving through the organization's stages, their line items and the
history of every stage move."""

from datetime import date
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from crm.clock import now
from crm.models.base import LIVE
from crm.models.base import RecordBase
from crm.models.base import owner_column
from crm.models.base import reference_index
from crm.models.base import search_indexes
from crm.models.products import Money
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped
from tenants.scoping import tenant_fk


class Opportunity(RecordBase, TenantScoped, db.Model):
    """``value`` is the sum of the line items when there are any, else what was entered;
    ``probability`` is an override, NULL meaning "the stage's". ``closed_at`` is set when
    the deal enters a won or lost stage and cleared when it is reopened."""

    __tablename__ = "opportunities"
    __tenant_table_args__ = (
        tenant_fk("company_id", "companies"),
        tenant_fk("contact_id", "contacts"),
        tenant_fk("lead_id", "leads"),
        tenant_fk("stage_id", "pipeline_stages"),
        # The board and the dashboard: deals per stage, and open deals by close month.
        sa.Index("ix_opportunities_org_id_stage_id_expected_close_on", "org_id", "stage_id", "expected_close_on", **LIVE),
        sa.Index("ix_opportunities_org_id_owner_id_stage_id", "org_id", "owner_id", "stage_id", **LIVE),
        sa.Index("ix_opportunities_org_id_closed_at", "org_id", "closed_at", **LIVE),
        sa.Index("ix_opportunities_org_id_created_at_id", "org_id", "created_at", "id", **LIVE),
        # The dashboard's top open deals: a walk down the biggest values, a few rows.
        sa.Index("ix_opportunities_org_id_value", "org_id", "value", **LIVE),
        sa.Index("ix_opportunities_org_id_company_id", "org_id", "company_id"),
        sa.Index("ix_opportunities_org_id_contact_id", "org_id", "contact_id"),
        sa.Index("ix_opportunities_org_id_lead_id", "org_id", "lead_id"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
        sa.CheckConstraint("probability IS NULL OR (probability >= 0 AND probability <= 100)",
                           name="probability_percent"),
        *search_indexes("opportunities", ("name",)),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    company_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    contact_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    lead_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    stage_id: Mapped[int] = mapped_column(sa.BigInteger)
    value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    probability: Mapped[int | None] = mapped_column()
    expected_close_on: Mapped[date | None] = mapped_column(sa.Date)
    source: Mapped[str | None] = mapped_column(sa.String(20))
    owner_id: Mapped[int | None] = owner_column()
    competitor: Mapped[str | None] = mapped_column(sa.String(200))
    close_reason: Mapped[str | None] = mapped_column(sa.String(500))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    stage_entered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)

    company = relationship("Company", primaryjoin="Company.id == foreign(Opportunity.company_id)", lazy="raise")
    contact = relationship("Contact", primaryjoin="Contact.id == foreign(Opportunity.contact_id)", lazy="raise")
    stage = relationship("PipelineStage", primaryjoin="PipelineStage.id == foreign(Opportunity.stage_id)",
                         lazy="raise")
    owner = relationship("User", foreign_keys=[owner_id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Opportunity {self.name}>"


class OpportunityLineItem(TenantScoped, db.Model):
    """The product's name and price are copied when the item is added, so a later change to
    the catalogue does not rewrite a quote."""

    __tablename__ = "opportunity_line_items"
    __tenant_table_args__ = (
        tenant_fk("opportunity_id", "opportunities", ondelete="CASCADE"),
        tenant_fk("product_id", "products"),
        sa.Index("ix_opportunity_line_items_org_id_opportunity_id", "org_id", "opportunity_id"),
        sa.Index("ix_opportunity_line_items_org_id_product_id", "org_id", "product_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        sa.CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_percent"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.BigInteger)
    product_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    name: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    discount_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)


class OpportunityStageChange(TenantScoped, db.Model):
    """One row per move, the first being the stage the deal was created in (``from_stage_id``
    NULL). Stage names are copied so the history still reads after a stage is renamed or
    deleted (deleting a stage clears its ids here: a composite key cannot SET NULL one column)."""

    __tablename__ = "opportunity_stage_changes"
    __tenant_table_args__ = (
        tenant_fk("opportunity_id", "opportunities", ondelete="CASCADE"),
        tenant_fk("from_stage_id", "pipeline_stages"),
        tenant_fk("to_stage_id", "pipeline_stages"),
        reference_index("opportunity_stage_changes", "from_stage_id"),
        reference_index("opportunity_stage_changes", "to_stage_id"),
        sa.Index("ix_opportunity_stage_changes_org_id_opportunity_id_moved_at", "org_id", "opportunity_id", "moved_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.BigInteger)
    from_stage_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    to_stage_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    from_stage_name: Mapped[str | None] = mapped_column(sa.String(60))
    to_stage_name: Mapped[str] = mapped_column(sa.String(60))
    moved_by_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    moved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    note: Mapped[str | None] = mapped_column(sa.String(500))

    moved_by = relationship("User", foreign_keys=[moved_by_id], lazy="raise")
