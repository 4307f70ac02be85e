"""The organization's own sales stages; opportunities (a later issue) move through them."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped

STAGE_KINDS = ("open", "won", "lost")


class PipelineStage(TenantScoped, db.Model):
    __tablename__ = "pipeline_stages"
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", "name"),
        sa.Index("ix_pipeline_stages_org_id_position", "org_id", "position"),
        sa.CheckConstraint("probability >= 0 AND probability <= 100", name="probability_percent"),
        sa.CheckConstraint("expected_days >= 0", name="expected_days_not_negative"),
        sa.CheckConstraint("kind IN ('open', 'won', 'lost')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[int] = mapped_column(default=0)
    probability: Mapped[int] = mapped_column(default=0)
    expected_days: Mapped[int] = mapped_column(default=14)
    kind: Mapped[str] = mapped_column(sa.String(8), default="open")

    def __repr__(self) -> str:
        return f"<PipelineStage {self.position}:{self.name}>"
