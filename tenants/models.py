"""Organizations and who belongs to them.

The user and role tables belong to the application; they are referred to by name so that
this layer stays free of ``crm`` imports.
"""

from datetime import datetime
from datetime import timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped
from tenants.scoping import tenant_fk


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Organization(db.Model):
    """A customer of the service. Not itself tenant-scoped: it is what scoping refers to."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class Membership(TenantScoped, db.Model):
    """One user's place in one organization, with one role."""

    __tablename__ = "memberships"
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", "user_id"),
        tenant_fk("role_id", "roles"),
        sa.Index("ix_memberships_org_id_role_id", "org_id", "role_id"),
        sa.Index("ix_memberships_user_id_org_id", "user_id", "org_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(sa.BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    user = relationship("User", lazy="joined", innerjoin=True)
    role = relationship("Role", primaryjoin="Role.id == foreign(Membership.role_id)", lazy="joined")
