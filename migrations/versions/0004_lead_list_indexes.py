"""Lead list indexes: live leads only for the list's orders, and search indexes RLS can use.

The list counts and pages only leads that are not deleted. With ``deleted_at`` outside the
index, counting the 3,000 "working" leads of an organization visited 3,000 heap pages; the
same four indexes made partial (``WHERE deleted_at IS NULL``) count by an index-only scan
(6.5 ms -> 1 ms, docs/performance.md). Deleted leads are only ever fetched by id.

The lead list searches by the start of the first or last name, email, company name or phone.
Under row-level security PostgreSQL lets only leakproof conditions drive an index scan, and
``lower()`` is not leakproof: ``lower(last_name) LIKE 'smi%'`` filtered every lead of the
organization (12 to 50 ms at 10,000 leads an organization, docs/performance.md). Range
comparisons (``>=``, ``<``) are leakproof; compared under a case-insensitive collation they
find ``Smith`` for ``smi`` through these indexes in about a millisecond.

PostgreSQL only (it needs ICU, built into the PostgreSQL packages of Debian, Ubuntu and the
official images); SQLite keeps its ``lower() LIKE`` search.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLLATION = "crm_ci"
SEARCHED = ("first_name", "last_name", "email", "company_name", "phone")
LIST_ORDERS = {
    "ix_leads_org_id_created_at_id": ["org_id", "created_at", "id"],
    "ix_leads_org_id_status_created_at_id": ["org_id", "status", "created_at", "id"],
    "ix_leads_org_id_owner_id_created_at_id": ["org_id", "owner_id", "created_at", "id"],
    "ix_leads_org_id_source_created_at_id": ["org_id", "source", "created_at", "id"],
}
LIVE = sa.text("deleted_at IS NULL")


def upgrade():
    for name, columns in LIST_ORDERS.items():
        op.drop_index(name, table_name="leads")
        op.create_index(name, "leads", columns, postgresql_where=LIVE, sqlite_where=LIVE)
    if op.get_bind().dialect.name != "postgresql":
        return
    # Strength 2: case is ignored, accents are not. Nondeterministic, so equal ignoring case.
    op.execute(f"CREATE COLLATION IF NOT EXISTS {COLLATION} "
               "(provider = icu, locale = 'und-u-ks-level2', deterministic = false)")
    for column in SEARCHED:
        op.execute(f"CREATE INDEX ix_leads_org_id_{column}_ci ON leads (org_id, {column} COLLATE {COLLATION})")


def downgrade():
    for name, columns in LIST_ORDERS.items():
        op.drop_index(name, table_name="leads")
        op.create_index(name, "leads", columns)
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in SEARCHED:
        op.execute(f"DROP INDEX IF EXISTS ix_leads_org_id_{column}_ci")
    op.execute(f"DROP COLLATION IF EXISTS {COLLATION}")
