"""Notification preferences per user and type, and email delivery state on notifications.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 07:10:00
"""
from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_preferences',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("delivery IN ('in_app', 'email', 'digest')", name=op.f('ck_notification_preferences_delivery_known')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_notification_preferences_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_notification_preferences_org_id_id')),
    sa.UniqueConstraint('org_id', 'user_id', 'kind', name=op.f('uq_notification_preferences_org_id_user_id_kind'))
    )
    op.create_table('digest_sends',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status IN ('sending', 'sent')", name=op.f('ck_digest_sends_status_known')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_digest_sends_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_sends_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_sends')),
    sa.UniqueConstraint('org_id', 'id', name=op.f('uq_digest_sends_org_id_id')),
    sa.UniqueConstraint('org_id', 'user_id', 'day', name=op.f('uq_digest_sends_org_id_user_id_day'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_status', sa.String(length=10), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(op.f('ck_notifications_email_status_known'),
                                         "email_status IN ('none', 'pending', 'sent', 'failed')")

    enable_row_level_security(op, ['notification_preferences', 'digest_sends'])


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_email_status_known'), type_='check')
        batch_op.drop_column('last_error')
        batch_op.drop_column('emailed_at')
        batch_op.drop_column('email_attempts')
        batch_op.drop_column('email_status')
    op.drop_table('digest_sends')
    op.drop_table('notification_preferences')
