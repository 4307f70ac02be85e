"""Tags, and one link table per tagged kind of record so every link is a composite foreign key."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from crm.clock import now
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped
from tenants.scoping import tenant_fk

TAG_COLOURS = ("#64748b", "#ef4444", "#f97316", "#eab308", "#22c55e", "#14b8a6", "#3b82f6", "#8b5cf6", "#ec4899")


class Tag(TenantScoped, db.Model):
    __tablename__ = "tags"
    __tenant_table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    colour: Mapped[str] = mapped_column(sa.String(7), default="#64748b")
    category: Mapped[str | None] = mapped_column(sa.String(50))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)


def _tag_link(table: str, record_column: str, record_table: str) -> type:
    attrs = {
        "__tablename__": table,
        "__org_through_parent__": True,  # both keys below cascade from rows of the same organization
        "__tenant_table_args__": (
            sa.UniqueConstraint("org_id", record_column, "tag_id"),
            sa.Index(f"ix_{table}_org_id_tag_id", "org_id", "tag_id"),
            tenant_fk(record_column, record_table, ondelete="CASCADE"),
            tenant_fk("tag_id", "tags", ondelete="CASCADE"),
        ),
        "id": mapped_column(BigId, primary_key=True),
        record_column: mapped_column(sa.BigInteger, nullable=False),
        "tag_id": mapped_column(sa.BigInteger, nullable=False),
        "__annotations__": {"id": Mapped[int]},
    }
    return type(table.title().replace("_", ""), (TenantScoped, db.Model), attrs)


CompanyTag = _tag_link("company_tags", "company_id", "companies")
ContactTag = _tag_link("contact_tags", "contact_id", "contacts")
LeadTag = _tag_link("lead_tags", "lead_id", "leads")
OpportunityTag = _tag_link("opportunity_tags", "opportunity_id", "opportunities")
