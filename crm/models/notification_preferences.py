"""How each member wants to hear about each kind of notification, and the record of the daily
digests already sent (one per member per day, so a digest job that runs twice sends once)."""

from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from crm.clock import now
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped

DELIVERIES = ("in_app", "email", "digest")
DIGEST_STATUSES = ("sending", "sent")


class NotificationPreference(TenantScoped, db.Model):
    """Only choices a member made are stored; a kind with no row uses its default."""

    __tablename__ = "notification_preferences"
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", "user_id", "kind"),
        sa.CheckConstraint(f"delivery IN {DELIVERIES!r}", name="delivery_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    delivery: Mapped[str] = mapped_column(sa.String(10))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now, onupdate=now)


class DigestSend(TenantScoped, db.Model):
    """The digest of one member for one day of the organization's calendar. The row is
    locked while its email goes out; "sent" means it must never go out again."""

    __tablename__ = "digest_sends"
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", "user_id", "day"),
        sa.CheckConstraint(f"status IN {DIGEST_STATUSES!r}", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="sending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
