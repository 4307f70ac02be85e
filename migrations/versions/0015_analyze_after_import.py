"""A function the app role may call to refresh the planner's statistics of the lead tables.

PostgreSQL plans each query by its statistics of how many rows an organization has. Until the
next ANALYZE, an organization it has never seen counts as almost empty, and after a large
import into it the plans chosen for that "almost empty" organization read all of its rows once
per row: the lead list took 0.5 s and its sort by score over five minutes for a new organization
of 100,000 leads on the bench database. Autovacuum analyzes a table only after a tenth of it has
changed (100,000 rows of a million-lead table), and only the tables' owner may run ANALYZE, so
the scoring of a large import calls this function (SECURITY DEFINER, owned by the migration
role) when it is done. CREATE OR REPLACE: the function outlives a reset that drops the tables.

Revision ID: 0015
Revises: 0014
"""
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("leads", "lead_scores", "lead_score_history", "lead_tags", "lead_import_rows")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    statements = " ".join(f"ANALYZE {table};" for table in TABLES)
    op.execute(f"""
        CREATE OR REPLACE FUNCTION crm_analyze_lead_tables() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public AS $$ BEGIN {statements} END $$
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS crm_analyze_lead_tables()")
