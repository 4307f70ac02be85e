"""Memberships: a user's rows in other organizations are visible to them, read-only.

0001 put ``OR user_id = current user`` into the USING of the FOR ALL policy, so UPDATE and
DELETE could also reach the user's own memberships in other organizations while acting for
one. That visibility is now a FOR SELECT policy of its own; the FOR ALL policy is the
organization alone, as on every other tenant table. Frozen SQL (not tenants.rls), so this
migration keeps meaning what it meant.

Revision ID: 0002_membership_visibility
Revises: 0001
"""
from alembic import op

revision = "0002_membership_visibility"
down_revision = "0001"
branch_labels = None
depends_on = None

CURRENT_ORG = "NULLIF(current_setting('app.current_org', true), '')::bigint"
CURRENT_USER = "NULLIF(current_setting('app.current_user', true), '')::bigint"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS tenant_isolation ON memberships")
    op.execute(f"CREATE POLICY tenant_isolation ON memberships FOR ALL "
               f"USING (org_id = {CURRENT_ORG}) WITH CHECK (org_id = {CURRENT_ORG})")
    op.execute("DROP POLICY IF EXISTS own_rows_visible ON memberships")
    op.execute(f"CREATE POLICY own_rows_visible ON memberships FOR SELECT USING (user_id = {CURRENT_USER})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS own_rows_visible ON memberships")
    op.execute("DROP POLICY IF EXISTS tenant_isolation ON memberships")
    op.execute(f"CREATE POLICY tenant_isolation ON memberships "
               f"USING ((org_id = {CURRENT_ORG}) OR user_id = {CURRENT_USER}) WITH CHECK (org_id = {CURRENT_ORG})")
