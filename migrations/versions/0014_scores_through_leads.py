"""Lead scores and their history reach their organization through their lead.

As tag links and import rows did in 0013: each row's cascading key to its lead already proves
the organization and deletes the row with it, and a rescoring that changes every score writes
a million history rows (and, the first time, a million score rows), each of which checked its
own key to organizations as well.

Revision ID: 0014
Revises: 0013
"""
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("lead_scores", "lead_score_history")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_org_id_organizations", type_="foreignkey")


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(f"fk_{table}_org_id_organizations", "organizations", ["org_id"], ["id"],
                                     ondelete="CASCADE")
