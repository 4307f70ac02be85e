"""The app's connection role cannot sidestep row-level security.

A superuser always bypasses RLS, a role with BYPASSRLS too, and a table owner (or any role
with the owner's privileges) can switch RLS off on its tables. The app must be none of these.
"""

import pytest
import sqlalchemy as sa

from crm.extensions import db

pytestmark = pytest.mark.postgres

# Tables in schema public that have an org_id column, with their owner.
TENANT_TABLES_WITH_OWNER = sa.text("""
    SELECT c.relname AS table, pg_get_userbyid(c.relowner) AS owner, c.relowner
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    ORDER BY c.relname
""")


def test_app_role_is_neither_superuser_nor_bypassrls(app):
    with db.engine.connect() as conn:
        role = conn.execute(sa.text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert role.rolname != "postgres"
    assert role.rolsuper is False, f"{role.rolname} is a superuser: it bypasses every RLS policy"
    assert role.rolbypassrls is False, f"{role.rolname} has BYPASSRLS"


def test_app_role_owns_no_tenant_table_and_cannot_act_as_owner(app):
    with db.engine.connect() as conn:
        me = conn.scalar(sa.text("SELECT current_user"))
        tables = conn.execute(TENANT_TABLES_WITH_OWNER).all()
        # A member of the owner role has its privileges (and could SET ROLE to it).
        as_owner = [t.table for t in tables
                    if conn.scalar(sa.text("SELECT pg_has_role(current_user, :o, 'MEMBER')"), {"o": t.relowner})]
    assert tables, "no table in schema public has an org_id column: the check would prove nothing"
    assert [t.table for t in tables if t.owner == me] == []
    assert as_owner == [], f"{me} has the privileges of the owner of {as_owner}"


def test_owner_role_is_what_migrations_need(app, owner_engine):
    """The owner runs migrations: not a superuser, and BYPASSRLS so data migrations see rows."""
    with owner_engine.connect() as conn:
        role = conn.execute(sa.text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        owners = set(conn.scalars(sa.text(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")))
    assert role.rolsuper is False
    assert role.rolbypassrls is True
    assert owners == {role.rolname}, "every table is created by the migrations, as the owner role"


def test_app_role_cannot_truncate_or_change_the_schema(app):
    """Without ownership the app cannot disable RLS, drop the policy or empty a table."""
    for statement in ("ALTER TABLE roles DISABLE ROW LEVEL SECURITY",
                      "DROP POLICY tenant_isolation ON roles",
                      "TRUNCATE roles CASCADE",
                      "CREATE TABLE sneaky (id int)"):
        with db.engine.connect() as conn:
            with pytest.raises(sa.exc.ProgrammingError) as error:
                conn.exec_driver_sql(statement)
            assert error.value.orig.sqlstate == "42501", (statement, error.value)  # insufficient_privilege
