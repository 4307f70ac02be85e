"""CSV lead imports: the uploaded file, its mapping, a row per file row with its outcome; and
campaigns, which an import can put its leads in."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import deferred
from sqlalchemy.orm import mapped_column

from crm.clock import now
from crm.models.base import reference_index
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped
from tenants.scoping import tenant_fk

IMPORT_STATUSES = ("uploaded", "queued", "running", "finished", "failed")
DUPLICATE_POLICIES = ("skip", "update")
ROW_OUTCOMES = ("created", "updated", "skipped", "failed")


class Campaign(TenantScoped, db.Model):
    """Where leads came from, by name. ``name_key`` (the name in lower case) makes the name
    unique in the organization whatever its case, on SQLite as on PostgreSQL."""

    __tablename__ = "campaigns"
    __tenant_table_args__ = (sa.UniqueConstraint("org_id", "name_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    created_by_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))


class LeadImport(TenantScoped, db.Model):
    """One uploaded file and how far its import got.

    ``content`` is the file as UTF-8 (whatever its encoding was), read by the job a window at
    a time from ``cursor_offset`` (bytes); ``rows_read`` counts the file's records consumed so
    far (blank ones included: row numbers are the spreadsheet's), ``rows_done`` the rows with
    an outcome, which the four counts add up to.
    """

    __tablename__ = "lead_imports"
    __tenant_table_args__ = (
        sa.Index("ix_lead_imports_org_id_created_at_id", "org_id", "created_at", "id"),
        tenant_fk("campaign_id", "campaigns"),
        tenant_fk("job_id", "background_jobs"),
        reference_index("lead_imports", "campaign_id"),
        reference_index("lead_imports", "job_id"),
        sa.CheckConstraint(f"status IN {IMPORT_STATUSES!r}", name="status_known"),
        sa.CheckConstraint(f"duplicate_policy IN {DUPLICATE_POLICIES!r}", name="duplicate_policy_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    encoding: Mapped[str] = mapped_column(sa.String(20))
    delimiter: Mapped[str] = mapped_column(sa.String(1))
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    content_length: Mapped[int] = mapped_column(sa.BigInteger)
    header: Mapped[list] = mapped_column(sa.JSON)
    data_offset: Mapped[int] = mapped_column(sa.BigInteger)
    mapping: Mapped[list | None] = mapped_column(sa.JSON)
    campaign_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    source: Mapped[str | None] = mapped_column(sa.String(20))
    owner_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    tag_name: Mapped[str | None] = mapped_column(sa.String(50))
    duplicate_policy: Mapped[str] = mapped_column(sa.String(6), default="skip")
    status: Mapped[str] = mapped_column(sa.String(12), default="uploaded")
    total_rows: Mapped[int] = mapped_column(default=0)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    cursor_offset: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    job_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == "finished" else 0
        return min(100, self.rows_done * 100 // self.total_rows)

    @property
    def rejected_count(self) -> int:
        return self.skipped_count + self.failed_count

    def __repr__(self) -> str:
        return f"<LeadImport {self.id} {self.file_name} {self.status}>"


class LeadImportRow(TenantScoped, db.Model):
    """The outcome of one row of a file: the lead it created or updated, or why it was skipped
    or failed. ``values`` (the row's cells as read) is kept for rejected rows only, for the
    rejected-rows CSV; the file itself stays on the import."""

    __tablename__ = "lead_import_rows"
    __org_through_parent__ = True  # its import's key cascades; 100,000 rows are written at once
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", "import_id", "row_number"),
        # Behind the foreign key to leads (a deleted lead or organization checks it) and the
        # lookup of the leads an import already wrote.
        sa.Index("ix_lead_import_rows_org_id_lead_id", "org_id", "lead_id"),
        tenant_fk("import_id", "lead_imports", ondelete="CASCADE"),
        # Checked at commit: deleting the organization deletes leads and imports in one
        # statement, and these rows go with their import only after the leads' check has run.
        tenant_fk("lead_id", "leads", deferrable=True, initially="DEFERRED"),
        sa.CheckConstraint(f"outcome IN {ROW_OUTCOMES!r}", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(sa.BigInteger)
    row_number: Mapped[int] = mapped_column()
    outcome: Mapped[str] = mapped_column(sa.String(8))
    reason: Mapped[str | None] = mapped_column(sa.String(300))
    values: Mapped[list | None] = mapped_column(sa.JSON)
    lead_id: Mapped[int | None] = mapped_column(sa.BigInteger)
