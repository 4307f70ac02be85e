"""Background jobs: the state of every job (status, progress, attempts, errors) that the UI shows and the retry uses.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 07:10:00
"""
from alembic import op
import sqlalchemy as sa

from tenants.rls import enable_row_level_security


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
