"""Background jobs as the organization sees them: Redis only carries the work, the database
keeps the state (status, progress, attempts, the last error), so the UI and a retry never
depend on what Redis still remembers."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from crm.clock import now
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped

JOB_STATUSES = ("queued", "running", "retrying", "succeeded", "failed")
ACTIVE_STATUSES = ("queued", "running", "retrying")


class BackgroundJob(TenantScoped, db.Model):
    __tablename__ = "background_jobs"
    __tenant_table_args__ = (
        sa.Index("ix_background_jobs_org_id_created_at_id", "org_id", "created_at", "id"),
        sa.Index("ix_background_jobs_org_id_status_heartbeat_at", "org_id", "status", "heartbeat_at"),
        sa.CheckConstraint(f"status IN {JOB_STATUSES!r}", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    func: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(12), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    runs: Mapped[int] = mapped_column(default=0)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None] = mapped_column()
    message: Mapped[str | None] = mapped_column(sa.String(300))
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    run_after: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status == "succeeded" else None
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed")

    def __repr__(self) -> str:
        return f"<BackgroundJob {self.id} {self.kind} {self.status}>"
