"""Tag links and import row outcomes lose their own foreign key to organizations.

Each of their rows has a cascading composite key to a parent of the same organization (the
record and the tag; the import), which already proves the organization exists and deletes
the rows with it. Their own key to organizations was checked once per row inserted, about
10 µs of the 100 µs a row of a bulk import took on the bench database
(TenantScoped.__org_through_parent__, docs/imports.md).

The key from import rows to leads becomes DEFERRABLE INITIALLY DEFERRED: deleting an
organization deletes its leads and its imports in one statement, and the import rows, which
now go with their import only, are still there when a lead's deletion checks for referrers
unless the check waits for the commit.

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("company_tags", "contact_tags", "lead_tags", "opportunity_tags", "lead_import_rows")


LEAD_KEY = "fk_lead_import_rows_org_id_lead_id_leads"


def _lead_key(batch, **deferred) -> None:
    batch.drop_constraint(LEAD_KEY, type_="foreignkey")
    batch.create_foreign_key(LEAD_KEY, "leads", ["org_id", "lead_id"], ["org_id", "id"], **deferred)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_org_id_organizations", type_="foreignkey")
            if table == "lead_import_rows":
                _lead_key(batch, deferrable=True, initially="DEFERRED")


def downgrade():
    with op.batch_alter_table("lead_import_rows") as batch:
        _lead_key(batch)
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(f"fk_{table}_org_id_organizations", "organizations", ["org_id"], ["id"],
                                     ondelete="CASCADE")
