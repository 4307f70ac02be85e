"""What happened to a company, contact or lead: interactions, notes, tasks, the timeline,
and the notifications that tell a member about it."""

from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from crm.clock import now
from crm.models.base import LinkedToRecord
from crm.models.base import RecordBase
from crm.models.base import record_link_constraints
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped

INTERACTION_KINDS = ("call", "email", "meeting", "note", "task", "sms")
SENTIMENTS = ("positive", "neutral", "negative")
TASK_PRIORITIES = ("low", "normal", "high")
EMAIL_STATUSES = ("none", "pending", "sent", "failed")


class Interaction(RecordBase, LinkedToRecord, TenantScoped, db.Model):
    __tablename__ = "interactions"
    __tenant_table_args__ = (
        *record_link_constraints("interactions", "occurred_at"),
        sa.Index("ix_interactions_org_id_occurred_at", "org_id", "occurred_at"),
        sa.CheckConstraint("duration_minutes IS NULL OR duration_minutes >= 0", name="duration_not_negative"),
    )

    kind: Mapped[str] = mapped_column(sa.String(10))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    duration_minutes: Mapped[int | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(sa.String(200))
    next_step: Mapped[str | None] = mapped_column(sa.String(200))
    sentiment: Mapped[str | None] = mapped_column(sa.String(10))
    user_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id], lazy="raise")


class Note(RecordBase, LinkedToRecord, TenantScoped, db.Model):
    __tablename__ = "notes"
    __tenant_table_args__ = record_link_constraints("notes", "created_at")

    body: Mapped[str] = mapped_column(sa.Text)
    pinned: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))

    author = relationship("User", foreign_keys=[author_id], lazy="raise")


class Task(RecordBase, LinkedToRecord, TenantScoped, db.Model):
    __tablename__ = "tasks"
    __tenant_table_args__ = (
        *record_link_constraints("tasks", "due_on"),
        sa.Index("ix_tasks_org_id_assignee_id_done_at_due_on", "org_id", "assignee_id", "done_at", "due_on"),
    )

    title: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    priority: Mapped[str] = mapped_column(sa.String(10), default="normal")
    assignee_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    assignee = relationship("User", foreign_keys=[assignee_id], lazy="raise")


class ActivityEvent(LinkedToRecord, TenantScoped, db.Model):
    """One line of a record's timeline. Services write one for everything that happens, so
    the timeline of a company, contact or lead is a single indexed query."""

    __tablename__ = "activity_events"
    __tenant_table_args__ = record_link_constraints("activity_events", "occurred_at")

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    actor_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    summary: Mapped[str] = mapped_column(sa.String(300))
    data: Mapped[dict | None] = mapped_column(sa.JSON)

    actor = relationship("User", foreign_keys=[actor_id], lazy="raise")


class Notification(TenantScoped, db.Model):
    """In-app first, then maybe an email (crm.services.notification_delivery). ``dedupe_key``
    makes creating the same notification twice a no-op; ``email_status`` "sent" makes sending
    it twice one."""

    __tablename__ = "notifications"
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", "dedupe_key"),
        sa.Index("ix_notifications_org_id_user_id_read_at", "org_id", "user_id", "read_at"),
        sa.Index("ix_notifications_org_id_user_id_created_at", "org_id", "user_id", "created_at"),
        sa.CheckConstraint(f"email_status IN {EMAIL_STATUSES!r}", name="email_status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str | None] = mapped_column(sa.String(500))
    dedupe_key: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    email_status: Mapped[str] = mapped_column(sa.String(10), default="none", server_default="none")
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    emailed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
