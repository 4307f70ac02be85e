"""Customer records: companies, contacts (emails, phones), leads, interactions, notes, tasks,
tags, the activity timeline, notifications and saved views. Every table is put under
row-level security at the end (PostgreSQL only).

Revision ID: 0003
Revises: 0002_membership_visibility
Create Date: 2026-11-23 18:18:47.945241
"""
from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security


TENANT_TABLES = [
    "companies", "contacts", "contact_emails", "contact_phones", "leads", "interactions", "notes", "tasks",
    "activity_events", "notifications", "tags", "company_tags", "contact_tags", "lead_tags", "saved_views",
]

revision = '0003'
down_revision = '0002_membership_visibility'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('companies',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('size_band', sa.String(length=20), nullable=True),
    sa.Column('segment', sa.String(length=20), nullable=True),
    sa.Column('tier', sa.String(length=20), nullable=True),
    sa.Column('lifecycle_stage', sa.String(length=20), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('custom_fields', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_companies_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_companies_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_companies_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_companies_org_id_id'))
    )
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.create_index('ix_companies_org_id_created_at_id', ['org_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_companies_org_id_domain', ['org_id', 'domain'], unique=False)
        batch_op.create_index('ix_companies_org_id_lifecycle_stage', ['org_id', 'lifecycle_stage'], unique=False)
        batch_op.create_index('ix_companies_org_id_name_id', ['org_id', 'name', 'id'], unique=False)
        batch_op.create_index('ix_companies_org_id_owner_id', ['org_id', 'owner_id'], unique=False)

    op.create_table('leads',
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('company_name', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('grade', sa.String(length=1), nullable=True),
    sa.Column('custom_fields', sa.JSON(), nullable=False),
    sa.Column('merged_into_id', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('score IS NULL OR (score >= 0 AND score <= 100)', name=op.f('ck_leads_score_percent')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_leads_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id', 'merged_into_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_leads_org_id_merged_into_id_leads')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_leads_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_leads_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_leads_org_id_id'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_org_id_created_at_id', ['org_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_leads_org_id_email', ['org_id', 'email'], unique=False)
        batch_op.create_index('ix_leads_org_id_last_name_id', ['org_id', 'last_name', 'id'], unique=False)
        batch_op.create_index('ix_leads_org_id_owner_id_created_at_id', ['org_id', 'owner_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_leads_org_id_phone', ['org_id', 'phone'], unique=False)
        batch_op.create_index('ix_leads_org_id_source_created_at_id', ['org_id', 'source', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_leads_org_id_status_created_at_id', ['org_id', 'status', 'created_at', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_notifications_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('org_id', 'dedupe_key', name=op.f('uq_notifications_org_id_dedupe_key')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_notifications_org_id_id'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_org_id_user_id_read_at', ['org_id', 'user_id', 'read_at'], unique=False)

    op.create_table('saved_views',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=2000), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_saved_views_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_views_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_saved_views_org_id_id')),
    sa.UniqueConstraint('org_id', 'owner_id', 'entity', 'name', name=op.f('uq_saved_views_org_id_owner_id_entity_name'))
    )
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.create_index('ix_saved_views_org_id_entity', ['org_id', 'entity'], unique=False)

    op.create_table('tags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_tags_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_tags_org_id_id')),
    sa.UniqueConstraint('org_id', 'name', name=op.f('uq_tags_org_id_name'))
    )
    op.create_table('company_tags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('company_id', sa.BigInteger(), nullable=False),
    sa.Column('tag_id', sa.BigInteger(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'company_id'], ['companies.org_id', 'companies.id'], name=op.f('fk_company_tags_org_id_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'tag_id'], ['tags.org_id', 'tags.id'], name=op.f('fk_company_tags_org_id_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_company_tags_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_tags')),
    sa.UniqueConstraint('org_id', 'company_id', 'tag_id', name=op.f('uq_company_tags_org_id_company_id_tag_id')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_company_tags_org_id_id'))
    )
    with op.batch_alter_table('company_tags', schema=None) as batch_op:
        batch_op.create_index('ix_company_tags_org_id_tag_id', ['org_id', 'tag_id'], unique=False)

    op.create_table('contacts',
    sa.Column('company_id', sa.BigInteger(), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('preferred_contact_method', sa.String(length=10), nullable=True),
    sa.Column('last_contacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('merged_into_id', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contacts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id', 'company_id'], ['companies.org_id', 'companies.id'], name=op.f('fk_contacts_org_id_company_id_companies')),
    sa.ForeignKeyConstraint(['org_id', 'merged_into_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_contacts_org_id_merged_into_id_contacts')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_contacts_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_contacts_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_contacts_org_id_id'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_org_id_company_id', ['org_id', 'company_id'], unique=False)
        batch_op.create_index('ix_contacts_org_id_created_at_id', ['org_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_contacts_org_id_email', ['org_id', 'email'], unique=False)
        batch_op.create_index('ix_contacts_org_id_last_name_id', ['org_id', 'last_name', 'id'], unique=False)
        batch_op.create_index('ix_contacts_org_id_owner_id', ['org_id', 'owner_id'], unique=False)
        batch_op.create_index('ix_contacts_org_id_phone', ['org_id', 'phone'], unique=False)

    op.create_table('lead_tags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lead_id', sa.BigInteger(), nullable=False),
    sa.Column('tag_id', sa.BigInteger(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_lead_tags_org_id_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'tag_id'], ['tags.org_id', 'tags.id'], name=op.f('fk_lead_tags_org_id_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_lead_tags_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_tags')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_lead_tags_org_id_id')),
    sa.UniqueConstraint('org_id', 'lead_id', 'tag_id', name=op.f('uq_lead_tags_org_id_lead_id_tag_id'))
    )
    with op.batch_alter_table('lead_tags', schema=None) as batch_op:
        batch_op.create_index('ix_lead_tags_org_id_tag_id', ['org_id', 'tag_id'], unique=False)

    op.create_table('activity_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('company_id', sa.BigInteger(), nullable=True),
    sa.Column('contact_id', sa.BigInteger(), nullable=True),
    sa.Column('lead_id', sa.BigInteger(), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_activity_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id', 'company_id'], ['companies.org_id', 'companies.id'], name=op.f('fk_activity_events_org_id_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'contact_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_activity_events_org_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_activity_events_org_id_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_activity_events_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_events')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_activity_events_org_id_id'))
    )
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.create_index('ix_activity_events_org_id_company_id_occurred_at', ['org_id', 'company_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_activity_events_org_id_contact_id_occurred_at', ['org_id', 'contact_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_activity_events_org_id_lead_id_occurred_at', ['org_id', 'lead_id', 'occurred_at'], unique=False)

    op.create_table('contact_emails',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'contact_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_contact_emails_org_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_contact_emails_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_emails')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_contact_emails_org_id_id'))
    )
    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.create_index('ix_contact_emails_org_id_contact_id', ['org_id', 'contact_id'], unique=False)
        batch_op.create_index('ix_contact_emails_org_id_email', ['org_id', 'email'], unique=False)

    op.create_table('contact_phones',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'contact_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_contact_phones_org_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_contact_phones_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_phones')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_contact_phones_org_id_id'))
    )
    with op.batch_alter_table('contact_phones', schema=None) as batch_op:
        batch_op.create_index('ix_contact_phones_org_id_contact_id', ['org_id', 'contact_id'], unique=False)
        batch_op.create_index('ix_contact_phones_org_id_number', ['org_id', 'number'], unique=False)

    op.create_table('contact_tags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger(), nullable=False),
    sa.Column('tag_id', sa.BigInteger(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'contact_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_contact_tags_org_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'tag_id'], ['tags.org_id', 'tags.id'], name=op.f('fk_contact_tags_org_id_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_contact_tags_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_tags')),
    sa.UniqueConstraint('org_id', 'contact_id', 'tag_id', name=op.f('uq_contact_tags_org_id_contact_id_tag_id')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_contact_tags_org_id_id'))
    )
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.create_index('ix_contact_tags_org_id_tag_id', ['org_id', 'tag_id'], unique=False)

    op.create_table('interactions',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=200), nullable=True),
    sa.Column('next_step', sa.String(length=200), nullable=True),
    sa.Column('sentiment', sa.String(length=10), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('company_id', sa.BigInteger(), nullable=True),
    sa.Column('contact_id', sa.BigInteger(), nullable=True),
    sa.Column('lead_id', sa.BigInteger(), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('duration_minutes IS NULL OR duration_minutes >= 0', name=op.f('ck_interactions_duration_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_interactions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id', 'company_id'], ['companies.org_id', 'companies.id'], name=op.f('fk_interactions_org_id_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'contact_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_interactions_org_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_interactions_org_id_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_interactions_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_interactions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_interactions_org_id_id'))
    )
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_org_id_company_id_occurred_at', ['org_id', 'company_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_interactions_org_id_contact_id_occurred_at', ['org_id', 'contact_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_interactions_org_id_lead_id_occurred_at', ['org_id', 'lead_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_interactions_org_id_occurred_at', ['org_id', 'occurred_at'], unique=False)

    op.create_table('notes',
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('company_id', sa.BigInteger(), nullable=True),
    sa.Column('contact_id', sa.BigInteger(), nullable=True),
    sa.Column('lead_id', sa.BigInteger(), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_notes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id', 'company_id'], ['companies.org_id', 'companies.id'], name=op.f('fk_notes_org_id_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'contact_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_notes_org_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_notes_org_id_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_notes_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_notes_org_id_id'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index('ix_notes_org_id_company_id_created_at', ['org_id', 'company_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notes_org_id_contact_id_created_at', ['org_id', 'contact_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notes_org_id_lead_id_created_at', ['org_id', 'lead_id', 'created_at'], unique=False)

    op.create_table('tasks',
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('assignee_id', sa.BigInteger(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('company_id', sa.BigInteger(), nullable=True),
    sa.Column('contact_id', sa.BigInteger(), nullable=True),
    sa.Column('lead_id', sa.BigInteger(), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tasks_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tasks_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id', 'company_id'], ['companies.org_id', 'companies.id'], name=op.f('fk_tasks_org_id_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'contact_id'], ['contacts.org_id', 'contacts.id'], name=op.f('fk_tasks_org_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'lead_id'], ['leads.org_id', 'leads.id'], name=op.f('fk_tasks_org_id_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_tasks_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_tasks_org_id_id'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_org_id_assignee_id_done_at_due_on', ['org_id', 'assignee_id', 'done_at', 'due_on'], unique=False)
        batch_op.create_index('ix_tasks_org_id_company_id_due_on', ['org_id', 'company_id', 'due_on'], unique=False)
        batch_op.create_index('ix_tasks_org_id_contact_id_due_on', ['org_id', 'contact_id', 'due_on'], unique=False)
        batch_op.create_index('ix_tasks_org_id_lead_id_due_on', ['org_id', 'lead_id', 'due_on'], unique=False)

    enable_row_level_security(op, TENANT_TABLES)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_org_id_lead_id_due_on')
        batch_op.drop_index('ix_tasks_org_id_contact_id_due_on')
        batch_op.drop_index('ix_tasks_org_id_company_id_due_on')
        batch_op.drop_index('ix_tasks_org_id_assignee_id_done_at_due_on')

    op.drop_table('tasks')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index('ix_notes_org_id_lead_id_created_at')
        batch_op.drop_index('ix_notes_org_id_contact_id_created_at')
        batch_op.drop_index('ix_notes_org_id_company_id_created_at')

    op.drop_table('notes')
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_org_id_occurred_at')
        batch_op.drop_index('ix_interactions_org_id_lead_id_occurred_at')
        batch_op.drop_index('ix_interactions_org_id_contact_id_occurred_at')
        batch_op.drop_index('ix_interactions_org_id_company_id_occurred_at')

    op.drop_table('interactions')
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_tags_org_id_tag_id')

    op.drop_table('contact_tags')
    with op.batch_alter_table('contact_phones', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_phones_org_id_number')
        batch_op.drop_index('ix_contact_phones_org_id_contact_id')

    op.drop_table('contact_phones')
    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_emails_org_id_email')
        batch_op.drop_index('ix_contact_emails_org_id_contact_id')

    op.drop_table('contact_emails')
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_events_org_id_lead_id_occurred_at')
        batch_op.drop_index('ix_activity_events_org_id_contact_id_occurred_at')
        batch_op.drop_index('ix_activity_events_org_id_company_id_occurred_at')

    op.drop_table('activity_events')
    with op.batch_alter_table('lead_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_tags_org_id_tag_id')

    op.drop_table('lead_tags')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_org_id_phone')
        batch_op.drop_index('ix_contacts_org_id_owner_id')
        batch_op.drop_index('ix_contacts_org_id_last_name_id')
        batch_op.drop_index('ix_contacts_org_id_email')
        batch_op.drop_index('ix_contacts_org_id_created_at_id')
        batch_op.drop_index('ix_contacts_org_id_company_id')

    op.drop_table('contacts')
    with op.batch_alter_table('company_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_company_tags_org_id_tag_id')

    op.drop_table('company_tags')
    op.drop_table('tags')
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_views_org_id_entity')

    op.drop_table('saved_views')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_org_id_user_id_read_at')

    op.drop_table('notifications')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_org_id_status_created_at_id')
        batch_op.drop_index('ix_leads_org_id_source_created_at_id')
        batch_op.drop_index('ix_leads_org_id_phone')
        batch_op.drop_index('ix_leads_org_id_owner_id_created_at_id')
        batch_op.drop_index('ix_leads_org_id_last_name_id')
        batch_op.drop_index('ix_leads_org_id_email')
        batch_op.drop_index('ix_leads_org_id_created_at_id')

    op.drop_table('leads')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_index('ix_companies_org_id_owner_id')
        batch_op.drop_index('ix_companies_org_id_name_id')
        batch_op.drop_index('ix_companies_org_id_lifecycle_stage')
        batch_op.drop_index('ix_companies_org_id_domain')
        batch_op.drop_index('ix_companies_org_id_created_at_id')

    op.drop_table('companies')
