"""An index behind every composite foreign key that had none.

Deleting a row makes PostgreSQL look for the rows that point at it. For ``leads.merged_into_id``
it found them through ``(org_id, id)``, reading every lead of the organization for each lead
deleted: deleting an organization with 110,000 leads ran for more than ten minutes (measured
on the bench database; tests/test_reference_indexes.py now requires an index behind every
such key). The indexes are partial where the column is mostly empty.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PARTIAL = {
    "leads": ("merged_into_id",),
    "contacts": ("merged_into_id",),
    "opportunity_stage_changes": ("from_stage_id", "to_stage_id"),
    "lead_imports": ("campaign_id", "job_id"),
}
FULL = {"invitations": "role_id", "memberships": "role_id"}


def upgrade():
    for table, columns in PARTIAL.items():
        for column in columns:
            where = sa.text(f"{column} IS NOT NULL")
            op.create_index(f"ix_{table}_org_id_{column}", table, ["org_id", column],
                            postgresql_where=where, sqlite_where=where)
    for table, column in FULL.items():
        op.create_index(f"ix_{table}_org_id_{column}", table, ["org_id", column])


def downgrade():
    for table, column in FULL.items():
        op.drop_index(f"ix_{table}_org_id_{column}", table_name=table)
    for table, columns in PARTIAL.items():
        for column in columns:
            op.drop_index(f"ix_{table}_org_id_{column}", table_name=table)
