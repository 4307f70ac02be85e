"""Sales pipeline: opportunities (line items, stage history, tags), the product catalogue,
lead qualification and conversion links, and an opportunity link on interactions, notes,
tasks and timeline events. New tables go under row-level security at the end (PostgreSQL).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 03:14:11.864752
"""
from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security

TENANT_TABLES = ["opportunities", "products", "opportunity_line_items", "opportunity_stage_changes", "opportunity_tags"]
COLLATION = "crm_ci"  # created by migration 0004
CONVERSION_KEYS = ("converted_company_id", "converted_contact_id", "converted_opportunity_id")


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('opportunities',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('company_id', sa.BigInteger(), nullable=True),
    sa.Column('contact_id', sa.BigInteger(), nullable=True),
    sa.Column('lead_id', sa.BigInteger(), nullable=True),
    sa.Column('stage_id', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=True),
    sa.Column('expected_close_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=True),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('competitor', sa.String(length=200), nullable=True),
    sa.Column('close_reason', sa.String(length=500), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('probability IS NULL OR (probability >= 0 AND probability <= 100)', name=op.f('ck_opportunities_probability_percent')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_opportunities_value_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_opportunities_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id', 'company_id'], ['companies.org_id', 'companies.id'], name=op.f('fk_opportunities_org_id_company_id_companies')),
    sa.ForeignKeyConstraint(['org_id', 'contact_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_opportunities_org_id_contact_id_contacts')),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_opportunities_org_id_lead_id_leads')),
    sa.ForeignKeyConstraint(['org_id', 'stage_id'], ['pipeline_stages.org_id', 'pipeline_stages.id'], name=op.f('fk_opportunities_org_id_stage_id_pipeline_stages')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_opportunities_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_opportunities_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunities')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_opportunities_org_id_id'))
    )
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.create_index('ix_opportunities_org_id_closed_at', ['org_id', 'closed_at'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_opportunities_org_id_company_id', ['org_id', 'company_id'], unique=False)
        batch_op.create_index('ix_opportunities_org_id_contact_id', ['org_id', 'contact_id'], unique=False)
        batch_op.create_index('ix_opportunities_org_id_created_at_id', ['org_id', 'created_at', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_opportunities_org_id_lead_id', ['org_id', 'lead_id'], unique=False)
        batch_op.create_index('ix_opportunities_org_id_owner_id_stage_id', ['org_id', 'owner_id', 'stage_id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_opportunities_org_id_stage_id_expected_close_on', ['org_id', 'stage_id', 'expected_close_on'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_opportunities_org_id_value', ['org_id', 'value'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))

    op.create_table('products',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sku', sa.String(length=60), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_products_unit_price_not_negative')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_products_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_products_org_id_id')),
    sa.UniqueConstraint('org_id', 'sku', name=op.f('uq_products_org_id_sku'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_org_id_active_name', ['org_id', 'active', 'name'], unique=False)

    op.create_table('opportunity_line_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('opportunity_id', sa.BigInteger(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('discount_percent >= 0 AND discount_percent <= 100', name=op.f('ck_opportunity_line_items_discount_percent')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_opportunity_line_items_quantity_positive')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_opportunity_line_items_unit_price_not_negative')),
    sa.ForeignKeyConstraint(['org_id', 'opportunity_id'], ['opportunities.org_id', 'opportunities.id'], name=op.f('fk_opportunity_line_items_org_id_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'product_id'], ['products.org_id', 'products.id'], name=op.f('fk_opportunity_line_items_org_id_product_id_products')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_opportunity_line_items_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_line_items')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_opportunity_line_items_org_id_id'))
    )
    with op.batch_alter_table('opportunity_line_items', schema=None) as batch_op:
        batch_op.create_index('ix_opportunity_line_items_org_id_opportunity_id', ['org_id', 'opportunity_id'], unique=False)
        batch_op.create_index('ix_opportunity_line_items_org_id_product_id', ['org_id', 'product_id'], unique=False)

    op.create_table('opportunity_stage_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('opportunity_id', sa.BigInteger(), nullable=False),
    sa.Column('from_stage_id', sa.BigInteger(), nullable=True),
    sa.Column('to_stage_id', sa.BigInteger(), nullable=True),
    sa.Column('from_stage_name', sa.String(length=60), nullable=True),
    sa.Column('to_stage_name', sa.String(length=60), nullable=False),
    sa.Column('moved_by_id', sa.BigInteger(), nullable=True),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['moved_by_id'], ['users.id'], name=op.f('fk_opportunity_stage_changes_moved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id', 'from_stage_id'], ['pipeline_stages.org_id', 'pipeline_stages.id'], name=op.f('fk_opportunity_stage_changes_org_id_from_stage_id_pipeline_stages')),
    sa.ForeignKeyConstraint(['org_id', 'opportunity_id'], ['opportunities.org_id', 'opportunities.id'], name=op.f('fk_opportunity_stage_changes_org_id_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'to_stage_id'], ['pipeline_stages.org_id', 'pipeline_stages.id'], name=op.f('fk_opportunity_stage_changes_org_id_to_stage_id_pipeline_stages')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_opportunity_stage_changes_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_stage_changes')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_opportunity_stage_changes_org_id_id'))
    )
    with op.batch_alter_table('opportunity_stage_changes', schema=None) as batch_op:
        batch_op.create_index('ix_opportunity_stage_changes_org_id_opportunity_id_moved_at', ['org_id', 'opportunity_id', 'moved_at'], unique=False)

    op.create_table('opportunity_tags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('opportunity_id', sa.BigInteger(), nullable=False),
    sa.Column('tag_id', sa.BigInteger(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'opportunity_id'], ['opportunities.org_id', 'opportunities.id'], name=op.f('fk_opportunity_tags_org_id_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'tag_id'], ['tags.org_id', 'tags.id'], name=op.f('fk_opportunity_tags_org_id_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_opportunity_tags_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_tags')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_opportunity_tags_org_id_id')),
    sa.UniqueConstraint('org_id', 'opportunity_id', 'tag_id', name=op.f('uq_opportunity_tags_org_id_opportunity_id_tag_id'))
    )
    with op.batch_alter_table('opportunity_tags', schema=None) as batch_op:
        batch_op.create_index('ix_opportunity_tags_org_id_tag_id', ['org_id', 'tag_id'], unique=False)

    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opportunity_id', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_activity_events_org_id_opportunity_id_occurred_at', ['org_id', 'opportunity_id', 'occurred_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activity_events_org_id_opportunity_id_opportunities'), 'opportunities', ['org_id', 'opportunity_id'], ['org_id', 'id'], ondelete='CASCADE')

    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opportunity_id', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_interactions_org_id_opportunity_id_occurred_at', ['org_id', 'opportunity_id', 'occurred_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_interactions_org_id_opportunity_id_opportunities'), 'opportunities', ['org_id', 'opportunity_id'], ['org_id', 'id'], ondelete='CASCADE')

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('authority', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('need', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('timeline', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('qualified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('converted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('converted_company_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('converted_contact_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('converted_opportunity_id', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_leads_org_id_converted_contact_id_contacts'), 'contacts', ['org_id', 'converted_contact_id'], ['org_id', 'id'])
        batch_op.create_foreign_key(batch_op.f('fk_leads_org_id_converted_company_id_companies'), 'companies', ['org_id', 'converted_company_id'], ['org_id', 'id'])
        batch_op.create_foreign_key(batch_op.f('fk_leads_org_id_converted_opportunity_id_opportunities'), 'opportunities', ['org_id', 'converted_opportunity_id'], ['org_id', 'id'])
        batch_op.create_check_constraint(op.f('ck_leads_budget_not_negative'), 'budget IS NULL OR budget >= 0')
        for column in CONVERSION_KEYS:
            batch_op.create_index(f"ix_leads_org_id_{column}", ["org_id", column], unique=False,
                                  postgresql_where=sa.text(f"{column} IS NOT NULL"),
                                  sqlite_where=sa.text(f"{column} IS NOT NULL"))

    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opportunity_id', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_notes_org_id_opportunity_id_created_at', ['org_id', 'opportunity_id', 'created_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notes_org_id_opportunity_id_opportunities'), 'opportunities', ['org_id', 'opportunity_id'], ['org_id', 'id'], ondelete='CASCADE')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_org_id_user_id_created_at', ['org_id', 'user_id', 'created_at'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opportunity_id', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_tasks_org_id_opportunity_id_due_on', ['org_id', 'opportunity_id', 'due_on'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tasks_org_id_opportunity_id_opportunities'), 'opportunities', ['org_id', 'opportunity_id'], ['org_id', 'id'], ondelete='CASCADE')

    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_opportunities_org_id_name_ci", "opportunities", ["org_id", "name"],
                        postgresql_ops={"name": f"COLLATE {COLLATION}"})
    enable_row_level_security(op, TENANT_TABLES)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_opportunities_org_id_name_ci", table_name="opportunities")
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_org_id_opportunity_id_opportunities'), type_='foreignkey')
        batch_op.drop_index('ix_tasks_org_id_opportunity_id_due_on')
        batch_op.drop_column('opportunity_id')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_org_id_user_id_created_at')

    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notes_org_id_opportunity_id_opportunities'), type_='foreignkey')
        batch_op.drop_index('ix_notes_org_id_opportunity_id_created_at')
        batch_op.drop_column('opportunity_id')

    with op.batch_alter_table('leads', schema=None) as batch_op:
        for column in CONVERSION_KEYS:
            batch_op.drop_index(f"ix_leads_org_id_{column}")
        batch_op.drop_constraint(batch_op.f('ck_leads_budget_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_leads_org_id_converted_opportunity_id_opportunities'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_leads_org_id_converted_company_id_companies'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_leads_org_id_converted_contact_id_contacts'), type_='foreignkey')
        batch_op.drop_column('converted_opportunity_id')
        batch_op.drop_column('converted_contact_id')
        batch_op.drop_column('converted_company_id')
        batch_op.drop_column('converted_at')
        batch_op.drop_column('qualified_at')
        batch_op.drop_column('timeline')
        batch_op.drop_column('need')
        batch_op.drop_column('authority')
        batch_op.drop_column('budget')

    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_interactions_org_id_opportunity_id_opportunities'), type_='foreignkey')
        batch_op.drop_index('ix_interactions_org_id_opportunity_id_occurred_at')
        batch_op.drop_column('opportunity_id')

    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_events_org_id_opportunity_id_opportunities'), type_='foreignkey')
        batch_op.drop_index('ix_activity_events_org_id_opportunity_id_occurred_at')
        batch_op.drop_column('opportunity_id')

    with op.batch_alter_table('opportunity_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_tags_org_id_tag_id')

    op.drop_table('opportunity_tags')
    with op.batch_alter_table('opportunity_stage_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_stage_changes_org_id_opportunity_id_moved_at')

    op.drop_table('opportunity_stage_changes')
    with op.batch_alter_table('opportunity_line_items', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_line_items_org_id_product_id')
        batch_op.drop_index('ix_opportunity_line_items_org_id_opportunity_id')

    op.drop_table('opportunity_line_items')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_org_id_active_name')

    op.drop_table('products')
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunities_org_id_value', postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_opportunities_org_id_stage_id_expected_close_on', postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_opportunities_org_id_owner_id_stage_id', postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_opportunities_org_id_lead_id')
        batch_op.drop_index('ix_opportunities_org_id_created_at_id', postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_opportunities_org_id_contact_id')
        batch_op.drop_index('ix_opportunities_org_id_company_id')
        batch_op.drop_index('ix_opportunities_org_id_closed_at', postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))

    op.drop_table('opportunities')
