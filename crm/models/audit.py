"""Who changed what in an organization's settings, with the values before and after."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from tenants.db import BigId
from tenants.db import db
from crm.clock import now as utcnow
from tenants.scoping import TenantScoped


class AuditEntry(TenantScoped, db.Model):
    __tablename__ = "audit_entries"
    __tenant_table_args__ = (
        sa.Index("ix_audit_entries_org_id_created_at", "org_id", "created_at"),
        sa.Index("ix_audit_entries_org_id_action", "org_id", "action"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(60))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    actor = relationship("User", lazy="joined")
