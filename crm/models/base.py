"""Column groups shared by the customer-record models."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import declared_attr
from sqlalchemy.orm import mapped_column

from crm.clock import now
from tenants.db import BigId
from tenants.scoping import tenant_fk


class RecordBase:
    """Id, timestamps and soft deletion: a deleted record stays, hidden, so Undo can bring it back."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now, onupdate=now)
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class LinkedToRecord:
    """For rows that belong to a company, a contact or a lead (interactions, notes, tasks, events)."""

    company_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    contact_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    lead_id: Mapped[int | None] = mapped_column(sa.BigInteger)


def record_link_constraints(table: str, time_column: str) -> tuple:
    """Composite foreign keys to the three record tables, and the indexes a timeline reads."""
    return (
        tenant_fk("company_id", "companies", ondelete="CASCADE"),
        tenant_fk("contact_id", "contacts", ondelete="CASCADE"),
        tenant_fk("lead_id", "leads", ondelete="CASCADE"),
        sa.Index(f"ix_{table}_org_id_company_id_{time_column}", "org_id", "company_id", time_column),
        sa.Index(f"ix_{table}_org_id_contact_id_{time_column}", "org_id", "contact_id", time_column),
        sa.Index(f"ix_{table}_org_id_lead_id_{time_column}", "org_id", "lead_id", time_column),
    )


def owner_column() -> Mapped[int | None]:
    return mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
