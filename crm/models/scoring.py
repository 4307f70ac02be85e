"""Lead scoring and assignment: each organization's rules, the history of every lead's score,
and the rules that route a freshly scored lead to an owner (crm.services.scoring, .assignment)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from crm.clock import now
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped
from tenants.scoping import tenant_fk

ASSIGNMENT_TARGETS = ("round_robin", "owner")


class ScoringConfig(TenantScoped, db.Model):
    """One per organization. ``rules`` holds the points (see crm.services.scoring.DEFAULT_RULES
    for its shape); ``rescore_cursor`` is the last lead id a full rescoring has reached, NULL
    when no full rescoring is under way."""

    __tablename__ = "scoring_configs"
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", name="uq_scoring_configs_org_id"),
        sa.CheckConstraint("grade_a > grade_b AND grade_b > grade_c AND grade_c > 0 AND grade_a <= 100",
                           name="grades_in_order"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rules: Mapped[dict] = mapped_column(sa.JSON)
    grade_a: Mapped[int] = mapped_column(default=75)
    grade_b: Mapped[int] = mapped_column(default=50)
    grade_c: Mapped[int] = mapped_column(default=25)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    updated_by_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    rescore_cursor: Mapped[int | None] = mapped_column(sa.BigInteger)
    rescore_started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    rescored_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class LeadScore(TenantScoped, db.Model):
    """A lead's current score: one row per lead, made at its first scoring (``Lead.scoring``).

    Apart from the lead record because every nightly rescoring may rewrite it: on the lead
    (a wide row under some seventeen indexes) each changed score rewrote the whole row and
    every index entry, and cleared the visibility map the lead list's index-only counts
    read. Here a row is narrow and its indexes are on keys that never change, so with room
    left on each page (``fillfactor``) the update stays on its page and no index is written
    (docs/scoring.md).
    """

    __tablename__ = "lead_scores"
    __org_through_parent__ = True  # its lead's key cascades; a full rescoring writes a million rows
    __tenant_table_args__ = (
        tenant_fk("lead_id", "leads", ondelete="CASCADE"),
        # One row per lead, and the key the rescoring's upsert and the lead list's join go by.
        sa.UniqueConstraint("org_id", "lead_id"),
        sa.CheckConstraint("total >= 0 AND total <= 100", name="total_percent"),
        {"postgresql_with": {"fillfactor": 50}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.BigInteger)
    fit: Mapped[int] = mapped_column(sa.SmallInteger)
    engagement: Mapped[int] = mapped_column(sa.SmallInteger)
    activity: Mapped[int] = mapped_column(sa.SmallInteger)
    total: Mapped[int] = mapped_column(sa.SmallInteger)
    grade: Mapped[str] = mapped_column(sa.String(1))
    scored_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)


class LeadScoreHistory(TenantScoped, db.Model):
    """A lead's score as one scoring found it. Written when the numbers changed (and at the
    first scoring), so the trend shows changes, not a row per night."""

    __tablename__ = "lead_score_history"
    __org_through_parent__ = True  # its lead's key cascades; a full rescoring writes a million rows
    __tenant_table_args__ = (
        tenant_fk("lead_id", "leads", ondelete="CASCADE"),
        sa.Index("ix_lead_score_history_org_id_lead_id_scored_at", "org_id", "lead_id", "scored_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.BigInteger)
    scored_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    fit: Mapped[int] = mapped_column(sa.SmallInteger)
    engagement: Mapped[int] = mapped_column(sa.SmallInteger)
    activity: Mapped[int] = mapped_column(sa.SmallInteger)
    total: Mapped[int] = mapped_column(sa.SmallInteger)
    grade: Mapped[str] = mapped_column(sa.String(1))
    # [[component, rule label, points], ...]: which rule gave how many points.
    explanation: Mapped[list] = mapped_column(sa.JSON, default=list)


class AssignmentRule(TenantScoped, db.Model):
    """Where a lead goes by its score: the first active rule (by position) whose band, source
    and countries match. ``next_member`` is the round-robin pointer into ``member_ids``,
    advanced under a row lock so two jobs never hand out the same turn."""

    __tablename__ = "assignment_rules"
    __tenant_table_args__ = (
        sa.Index("ix_assignment_rules_org_id_position", "org_id", "position"),
        sa.CheckConstraint("min_score >= 0 AND max_score <= 100 AND min_score <= max_score", name="band_in_order"),
        sa.CheckConstraint(f"target IN {ASSIGNMENT_TARGETS!r}", name="target_known"),
        sa.CheckConstraint("task_due_days >= 0", name="due_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    min_score: Mapped[int] = mapped_column()
    max_score: Mapped[int] = mapped_column()
    source: Mapped[str | None] = mapped_column(sa.String(20))
    countries: Mapped[list] = mapped_column(sa.JSON, default=list)
    target: Mapped[str] = mapped_column(sa.String(12), default="round_robin")
    member_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    next_member: Mapped[int] = mapped_column(default=0)
    task_title: Mapped[str] = mapped_column(sa.String(200))
    task_due_days: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
