"""Search indexes for companies and contacts that row-level security lets PostgreSQL use.

The companies and contacts lists and the global search matched ``lower(column) LIKE '%term%'``.
``lower()`` and ``LIKE`` are not leakproof, so under row-level security no index could serve
them: every search read every company or contact of the organization. They now match, like
the lead list (migration 0004), the start of each field under the case-insensitive ICU
collation ``crm_ci`` with range comparisons, which are leakproof; these indexes serve them.
Every one leads with ``org_id``. Contacts are also found by their company's name or domain and
by any of their emails and phone numbers, hence the indexes on contact_emails and
contact_phones (crm/services/contacts.py, docs/performance.md).

PostgreSQL only: SQLite has no ICU collation and keeps its ``lower() LIKE 'term%'`` search.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLLATION = "crm_ci"  # created by migration 0004
SEARCHED = {
    "companies": ("name", "domain"),
    "contacts": ("first_name", "last_name", "email", "phone"),
    "contact_emails": ("email",),
    "contact_phones": ("number",),
}


def _indexes():
    for table, columns in SEARCHED.items():
        for column in columns:
            yield f"ix_{table}_org_id_{column}_ci", table, column


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, column in _indexes():
        # The collation in postgresql_ops lands right after the column, as in the models
        # (crm/models/base.py search_indexes): CREATE INDEX ... (org_id, name COLLATE crm_ci).
        op.create_index(name, table, ["org_id", column], postgresql_ops={column: f"COLLATE {COLLATION}"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _ in _indexes():
        op.drop_index(name, table_name=table)
