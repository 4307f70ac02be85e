"""Column groups shared by the customer-record models."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import declared_attr
from sqlalchemy.orm import mapped_column

from crm.clock import now
from tenants.db import BigId
from tenants.scoping import tenant_fk


class RecordBase:
    """Id, timestamps and soft deletion: a deleted record stays, hidden, so Undo can bring it back."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now, onupdate=now)
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class LinkedToRecord:
    """For rows that belong to a company, a contact, a lead or an opportunity (interactions,
    notes, tasks, events)."""

    company_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    contact_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    lead_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    opportunity_id: Mapped[int | None] = mapped_column(sa.BigInteger)


def record_link_constraints(table: str, time_column: str) -> tuple:
    """Composite foreign keys to the four record tables, and the indexes a timeline reads."""
    return (
        tenant_fk("company_id", "companies", ondelete="CASCADE"),
        tenant_fk("contact_id", "contacts", ondelete="CASCADE"),
        tenant_fk("lead_id", "leads", ondelete="CASCADE"),
        tenant_fk("opportunity_id", "opportunities", ondelete="CASCADE"),
        sa.Index(f"ix_{table}_org_id_company_id_{time_column}", "org_id", "company_id", time_column),
        sa.Index(f"ix_{table}_org_id_contact_id_{time_column}", "org_id", "contact_id", time_column),
        sa.Index(f"ix_{table}_org_id_lead_id_{time_column}", "org_id", "lead_id", time_column),
        sa.Index(f"ix_{table}_org_id_opportunity_id_{time_column}", "org_id", "opportunity_id", time_column),
    )


# Only live rows: for list indexes whose every query has ``deleted_at IS NULL`` (migration 0004).
LIVE = {"postgresql_where": sa.text("deleted_at IS NULL"), "sqlite_where": sa.text("deleted_at IS NULL")}


def reference_index(table: str, column: str) -> sa.Index:
    """``(org_id, column)`` for the rows that point somewhere: behind a composite foreign key,
    so deleting the row it points at (or the whole organization) finds its referrers by index
    instead of reading the organization's every row for each deleted one (migration 0011)."""
    where = sa.text(f"{column} IS NOT NULL")
    return sa.Index(f"ix_{table}_org_id_{column}", "org_id", column, postgresql_where=where, sqlite_where=where)


# The ICU collation that ignores case (created by migration 0004 on PostgreSQL).
SEARCH_COLLATION = "crm_ci"


def search_indexes(table: str, columns: tuple[str, ...]) -> list[sa.Index]:
    """``(org_id, column COLLATE crm_ci)`` for each searched column, on PostgreSQL only.

    Searches compare under that collation with range operators, the only conditions row-level
    security lets drive an index (crm/services/text_search.py). SQLite has no such collation:
    ``create_all`` skips them there (``ddl_if``), and its migrations do not create them.

    The collation goes in ``postgresql_ops``, which SQLAlchemy writes right after the column
    name, where PostgreSQL's grammar puts ``COLLATE``. Written as an expression
    (``sa.collate(column, ...)``) the DDL is the same, but autogenerate would propose dropping
    and re-creating every one of these indexes: PostgreSQL keeps an index column's collation
    apart from the column (``pg_index.indcollation``), SQLAlchemy's reflection does not read
    it, so the database's index looks like a plain ``(org_id, column)`` and never equals an
    expression. Declared this way both sides are ``(org_id, column)`` and compare equal.
    """
    return [sa.Index(f"ix_{table}_org_id_{column}_ci", "org_id", column,
                     postgresql_ops={column: f"COLLATE {SEARCH_COLLATION}"}).ddl_if(dialect="postgresql")
            for column in columns]


def migration_filter(dialect_name: str):
    """Alembic's ``include_object`` for a database of ``dialect_name``: leaves out what the
    models declare for another database only (``ddl_if``), which alembic's comparison ignores,
    so that ``flask db migrate`` on SQLite does not propose the PostgreSQL search indexes."""
    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        only_for = getattr(obj, "_ddl_if", None)
        return only_for is None or only_for.dialect in (None, dialect_name)

    return include_object


def owner_column() -> Mapped[int | None]:
    return mapped_column(sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL"))
