"""CSV lead imports: the upload, its mapping, a row per file row with its outcome; campaigns.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 07:10:00
"""
from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security


TENANT_TABLES = ["campaigns", "lead_imports", "lead_import_rows"]
NOT_NULL = {"postgresql_where": sa.text("campaign_id IS NOT NULL"), "sqlite_where": sa.text("campaign_id IS NOT NULL")}


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _id():
    return sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False)


def _org(table):
    return (sa.Column('org_id', sa.BigInteger(), nullable=False),
            sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=f'fk_{table}_org_id_organizations', ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('id', name=f'pk_{table}'),
            sa.UniqueConstraint('org_id', 'id', name=f'uq_{table}_org_id_id'))


def upgrade():
    op.create_table('campaigns',
    _id(),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name='fk_campaigns_created_by_id_users', ondelete='SET NULL'),
    sa.UniqueConstraint('org_id', 'name_key', name='uq_campaigns_org_id_name_key'),
    *_org('campaigns'),
    )

    op.create_table('lead_imports',
    _id(),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('encoding', sa.String(length=20), nullable=False),
    sa.Column('delimiter', sa.String(length=1), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_length', sa.BigInteger(), nullable=False),
    sa.Column('header', sa.JSON(), nullable=False),
    sa.Column('data_offset', sa.BigInteger(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('campaign_id', sa.BigInteger(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=True),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('tag_name', sa.String(length=50), nullable=True),
    sa.Column('duplicate_policy', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('cursor_offset', sa.BigInteger(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('job_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('uploaded', 'queued', 'running', 'finished', 'failed')", name='ck_lead_imports_status_known'),
    sa.CheckConstraint("duplicate_policy IN ('skip', 'update')", name='ck_lead_imports_duplicate_policy_known'),
    sa.ForeignKeyConstraint(['org_id', 'campaign_id'], ['campaigns.org_id', 'campaigns.id'], name='fk_lead_imports_org_id_campaign_id_campaigns'),
    sa.ForeignKeyConstraint(['org_id', 'job_id'], ['background_jobs.org_id', 'background_jobs.id'], name='fk_lead_imports_org_id_job_id_background_jobs'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name='fk_lead_imports_owner_id_users', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name='fk_lead_imports_created_by_id_users', ondelete='SET NULL'),
    *_org('lead_imports'),
    )
    op.create_index('ix_lead_imports_org_id_created_at_id', 'lead_imports', ['org_id', 'created_at', 'id'], unique=False)

    op.create_table('lead_import_rows',
    _id(),
    sa.Column('import_id', sa.BigInteger(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('values', sa.JSON(), nullable=True),
    sa.Column('lead_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("outcome IN ('created', 'updated', 'skipped', 'failed')", name='ck_lead_import_rows_outcome_known'),
    sa.ForeignKeyConstraint(['org_id', 'import_id'], ['lead_imports.org_id', 'lead_imports.id'], name='fk_lead_import_rows_org_id_import_id_lead_imports', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name='fk_lead_import_rows_org_id_lead_id_leads'),
    sa.UniqueConstraint('org_id', 'import_id', 'row_number', name='uq_lead_import_rows_org_id_import_id_row_number'),
    *_org('lead_import_rows'),
    )
    op.create_index('ix_lead_import_rows_org_id_lead_id', 'lead_import_rows', ['org_id', 'lead_id'], unique=False)

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key('fk_leads_org_id_campaign_id_campaigns', 'campaigns', ['org_id', 'campaign_id'], ['org_id', 'id'])
        batch_op.create_index('ix_leads_org_id_campaign_id', ['org_id', 'campaign_id'], unique=False, **NOT_NULL)

    enable_row_level_security(op, TENANT_TABLES)


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_org_id_campaign_id', **NOT_NULL)
        batch_op.drop_constraint('fk_leads_org_id_campaign_id_campaigns', type_='foreignkey')
        batch_op.drop_column('campaign_id')
    op.drop_index('ix_lead_import_rows_org_id_lead_id', table_name='lead_import_rows')
    op.drop_table('lead_import_rows')
    op.drop_index('ix_lead_imports_org_id_created_at_id', table_name='lead_imports')
    op.drop_table('lead_imports')
    op.drop_table('campaigns')
