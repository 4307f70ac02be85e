"""Every tenant table is under row-level security: ENABLE, FORCE, and the tenant policy.

Alembic autogenerate does not see policies, so a new table can silently miss them; these
catalog checks fail when it does.
"""

import pytest
import sqlalchemy as sa

from crm.extensions import db
from tenants.rls import ORG_SETTING
from tenants.rls import POLICY
from tenants.scoping import tenant_tables

pytestmark = pytest.mark.postgres

ORG_ID_TABLES = """
    SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
"""

UNPROTECTED = sa.text(f"""
    SELECT t.relname FROM ({ORG_ID_TABLES}) t
    WHERE NOT t.relrowsecurity OR NOT t.relforcerowsecurity
       OR NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.oid)
    ORDER BY t.relname
""")

PROTECTED = sa.text(f"""
    SELECT t.relname FROM ({ORG_ID_TABLES}) t
    WHERE t.relrowsecurity AND t.relforcerowsecurity
      AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.oid)
""")


def test_no_table_with_org_id_lacks_rls_force_or_policy(app):
    with db.engine.connect() as conn:
        assert conn.execute(UNPROTECTED).all() == []
        assert conn.execute(sa.text(f"SELECT count(*) FROM ({ORG_ID_TABLES}) t")).scalar() > 0


def test_every_tenant_table_of_the_models_is_covered(app):
    expected = {t.name for t in tenant_tables(db.metadata)}
    assert expected, "tenant_tables() found nothing: the check would prove nothing"
    with db.engine.connect() as conn:
        protected = set(conn.scalars(PROTECTED))
        in_database = set(conn.scalars(sa.text(f"SELECT t.relname FROM ({ORG_ID_TABLES}) t")))
    assert expected - protected == set()
    assert in_database == expected, "the migrated schema and the models disagree on which tables are tenant tables"


def test_policies_pin_every_write_to_the_current_org(app):
    """``tenant_isolation`` is FOR ALL and compares org_id with the setting, with no OR, both
    for the rows a command sees and for the rows it writes. Any other policy only widens
    SELECT (permissive policies are OR-ed per command), so it cannot widen UPDATE or DELETE."""
    with db.engine.connect() as conn:
        policies = conn.execute(sa.text(
            "SELECT tablename, policyname, permissive, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public'"
        )).all()
    for table in tenant_tables(db.metadata):
        mine = [p for p in policies if p.tablename == table.name]
        main = [p for p in mine if p.policyname == POLICY]
        assert len(main) == 1, f"{table.name} has no {POLICY} policy"
        (p,) = main
        assert p.cmd == "ALL" and p.permissive == "PERMISSIVE", p
        for expression in (p.qual, p.with_check):
            assert expression is not None and ORG_SETTING in expression and "org_id" in expression, p
            assert " OR " not in expression.upper(), p
        others = [(o.policyname, o.cmd, o.permissive) for o in mine if o is not p]
        assert all(cmd == "SELECT" or permissive == "RESTRICTIVE" for _, cmd, permissive in others), others
