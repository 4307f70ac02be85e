"""CSV lead imports: the upload, its mapping, a row per file row with its outcome; campaigns.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 07:10:00
"""
from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
