"""Saved list filters: a member names a filter and may share it with the organization."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from crm.clock import now
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped

VIEW_ENTITIES = ("companies", "contacts", "leads", "opportunities")


class SavedView(TenantScoped, db.Model):
    __tablename__ = "saved_views"
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", "owner_id", "entity", "name"),
        sa.Index("ix_saved_views_org_id_entity", "org_id", "entity"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(80))
    query: Mapped[str] = mapped_column(sa.String(2000), default="")
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
