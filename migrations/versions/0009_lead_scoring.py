"""Lead scoring and assignment: per-organization rules, score components and history, assignment rules.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 07:10:00
"""
from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
