"""Lead scoring and assignment: per-organization rules, score components and history, assignment rules.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 07:10:00
"""
from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security

TENANT_TABLES = ["scoring_configs", "lead_score_history", "assignment_rules"]
LEAD_COLUMNS = ("score_fit", "score_engagement", "score_activity", "scored_at", "company_size", "country")


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignment_rules',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=True),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('target', sa.String(length=12), nullable=False),
    sa.Column('member_ids', sa.JSON(), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('next_member', sa.Integer(), nullable=False),
    sa.Column('task_title', sa.String(length=200), nullable=False),
    sa.Column('task_due_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("target IN ('round_robin', 'owner')", name=op.f('ck_assignment_rules_target_known')),
    sa.CheckConstraint('min_score >= 0 AND max_score <= 100 AND min_score <= max_score', name=op.f('ck_assignment_rules_band_in_order')),
    sa.CheckConstraint('task_due_days >= 0', name=op.f('ck_assignment_rules_due_days_not_negative')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_assignment_rules_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_assignment_rules_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_rules')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_assignment_rules_org_id_id'))
    )
    with op.batch_alter_table('assignment_rules', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_rules_org_id_position', ['org_id', 'position'], unique=False)

    op.create_table('scoring_configs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('grade_a', sa.Integer(), nullable=False),
    sa.Column('grade_b', sa.Integer(), nullable=False),
    sa.Column('grade_c', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.BigInteger(), nullable=True),
    sa.Column('rescore_cursor', sa.BigInteger(), nullable=True),
    sa.Column('rescore_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rescored_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('grade_a > grade_b AND grade_b > grade_c AND grade_c > 0 AND grade_a <= 100', name=op.f('ck_scoring_configs_grades_in_order')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_scoring_configs_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_scoring_configs_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_configs')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_scoring_configs_org_id_id')),
    sa.UniqueConstraint('org_id', name='uq_scoring_configs_org_id')
    )
    op.create_table('lead_score_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lead_id', sa.BigInteger(), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fit', sa.SmallInteger(), nullable=False),
    sa.Column('engagement', sa.SmallInteger(), nullable=False),
    sa.Column('activity', sa.SmallInteger(), nullable=False),
    sa.Column('total', sa.SmallInteger(), nullable=False),
    sa.Column('grade', sa.String(length=1), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_lead_score_history_org_id_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_lead_score_history_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_score_history')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_lead_score_history_org_id_id'))
    )
    with op.batch_alter_table('lead_score_history', schema=None) as batch_op:
        batch_op.create_index('ix_lead_score_history_org_id_lead_id_scored_at', ['org_id', 'lead_id', 'scored_at'], unique=False)

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score_fit', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('score_engagement', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('score_activity', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('scored_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('company_size', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('country', sa.String(length=100), nullable=True))

    enable_row_level_security(op, TENANT_TABLES)


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        for column in reversed(LEAD_COLUMNS):
            batch_op.drop_column(column)
    op.drop_table('lead_score_history')
    op.drop_table('scoring_configs')
    op.drop_table('assignment_rules')
