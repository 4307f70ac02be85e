"""A lead's current score in a narrow table of its own, lead_scores, out of the leads table.

The nightly rescoring rewrites scores; on the lead record (rows of ~430 bytes under ~17
indexes, pages full) every changed score rewrote the whole row and an entry in every index,
and cleared the visibility map the lead list's index-only counts read. Existing scores are
copied over (leads never scored get no row), then the six columns and their check leave
leads. The downgrade copies them back.

On SQLite, dropping columns recreates the leads table (batch mode), and with foreign keys
enforced dropping the old table would first delete every lead, cascading to everything that
points at leads. Enforcement is turned off for the copy (a PRAGMA that only works outside a
transaction, hence the autocommit blocks) and on again after.

Revision ID: 0012
Revises: 0011
"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = "fit, engagement, activity, total, grade, scored_at"
LEAD_COLUMNS = "score_fit, score_engagement, score_activity, score, grade, scored_at"


@contextmanager
def _leads_recreated_safely():
    """On SQLite, foreign keys off while the leads table is rebuilt (see the module's docstring)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    yield
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    op.create_table('lead_scores',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lead_id', sa.BigInteger(), nullable=False),
    sa.Column('fit', sa.SmallInteger(), nullable=False),
    sa.Column('engagement', sa.SmallInteger(), nullable=False),
    sa.Column('activity', sa.SmallInteger(), nullable=False),
    sa.Column('total', sa.SmallInteger(), nullable=False),
    sa.Column('grade', sa.String(length=1), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('total >= 0 AND total <= 100', name=op.f('ck_lead_scores_total_percent')),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_lead_scores_org_id_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_lead_scores_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_scores')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_lead_scores_org_id_id')),
    sa.UniqueConstraint('org_id', 'lead_id', name=op.f('uq_lead_scores_org_id_lead_id')),
    postgresql_with={"fillfactor": 50},
    )
    # Scores from before migration 0009 have no components: they count as fit alone, until
    # the next rescoring replaces them.
    op.execute(f"INSERT INTO lead_scores (org_id, lead_id, {COLUMNS}) "
               "SELECT org_id, id, coalesce(score_fit, score), coalesce(score_engagement, 0), "
               "coalesce(score_activity, 0), score, coalesce(grade, 'D'), coalesce(scored_at, updated_at) "
               "FROM leads WHERE score IS NOT NULL ORDER BY org_id, id")
    with _leads_recreated_safely():
        with op.batch_alter_table('leads', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_leads_score_percent'), type_='check')
            for column in ('score', 'grade', 'score_fit', 'score_engagement', 'score_activity', 'scored_at'):
                batch_op.drop_column(column)
    enable_row_level_security(op, ['lead_scores'])


def downgrade():
    with _leads_recreated_safely():
        with op.batch_alter_table('leads', schema=None) as batch_op:
            batch_op.add_column(sa.Column('score', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('grade', sa.String(length=1), nullable=True))
            batch_op.add_column(sa.Column('score_fit', sa.SmallInteger(), nullable=True))
            batch_op.add_column(sa.Column('score_engagement', sa.SmallInteger(), nullable=True))
            batch_op.add_column(sa.Column('score_activity', sa.SmallInteger(), nullable=True))
            batch_op.add_column(sa.Column('scored_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.create_check_constraint(op.f('ck_leads_score_percent'),
                                             'score IS NULL OR (score >= 0 AND score <= 100)')
    # Correlated subqueries: the same statement on both backends.
    select = "SELECT {} FROM lead_scores s WHERE s.org_id = leads.org_id AND s.lead_id = leads.id"
    assignments = ", ".join(f"{lead} = ({select.format(column)})"
                            for lead, column in zip(LEAD_COLUMNS.split(", "), COLUMNS.split(", ")))
    op.execute(f"UPDATE leads SET {assignments} "
               "WHERE EXISTS (SELECT 1 FROM lead_scores s WHERE s.org_id = leads.org_id AND s.lead_id = leads.id)")
    op.drop_table('lead_scores')
