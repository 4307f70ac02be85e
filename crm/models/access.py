"""Roles (a named set of permissions within one organization) and invitations to join."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from crm.clock import aware
from crm.clock import now
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped
from tenants.scoping import tenant_fk


class Role(TenantScoped, db.Model):
    __tablename__ = "roles"
    __tenant_table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    permissions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The Administrator role: every permission, always; it cannot be renamed or deleted,
    # so an organization can never lock itself out of its own admin console.
    is_administrator: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)

    def grants(self, name: str) -> bool:
        return name in self.permissions

    def __repr__(self) -> str:
        return f"<Role {self.name}>"


class Invitation(TenantScoped, db.Model):
    """An emailed offer to join; the link carries a signed token naming this row."""

    __tablename__ = "invitations"
    __tenant_table_args__ = (
        tenant_fk("role_id", "roles"),
        sa.Index("ix_invitations_org_id_role_id", "org_id", "role_id"),
        sa.Index("ix_invitations_org_id_email", "org_id", "email"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role_id: Mapped[int] = mapped_column(sa.BigInteger)
    invited_by_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    nonce: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    role = relationship(Role, primaryjoin="Role.id == foreign(Invitation.role_id)", lazy="joined")
    invited_by = relationship("User", lazy="joined")

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if aware(self.expires_at) <= now() else "pending"
