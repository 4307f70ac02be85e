"""Layer 3 alone: with the ORM filter off, PostgreSQL row-level security still keeps
organizations apart, for reads and for writes.

The ORM filter is lifted with ``unscoped()`` and bypassed altogether with ``text()`` SQL and
Core statements, which it never sees. Each read check is paired with the owner's view
(BYPASSRLS) of the same table, showing rows of both organizations, so it can fail.
"""

import pytest
import sqlalchemy as sa
from psycopg import errors as pg

from crm.extensions import db
from crm.models import PipelineStage
from crm.models import Role
from tenants.context import org_context
from tenants.context import unscoped
from tests.helpers import make_user
from tests.postgres.conftest import SEEDERS
from tests.postgres.conftest import TENANT_TABLES
from tests.postgres.conftest import org_ids_in

pytestmark = pytest.mark.postgres


def _sqlstate(error: sa.exc.DBAPIError) -> str:
    return error.orig.sqlstate


def _mapped_class(table_name: str):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table_name:
            return mapper.class_
    return None


def test_every_tenant_table_has_rows_of_both_orgs(two_orgs, owner_engine):
    a, b = two_orgs
    with owner_engine.connect() as conn:
        empty = [t for t in TENANT_TABLES if not {a, b} <= set(org_ids_in(conn, t))]
    assert empty == [], f"add a seeder for {empty} to SEEDERS in tests/postgres/conftest.py ({sorted(SEEDERS)})"


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_raw_sql_sees_only_the_current_org(two_orgs, owner_engine, table):
    a, b = two_orgs
    with owner_engine.connect() as conn:
        assert {a, b} <= set(org_ids_in(conn, table)), "the owner (BYPASSRLS) sees both organizations"
    for org, other in ((a, b), (b, a)):
        with unscoped(), org_context(org):
            rows = db.session.execute(sa.text(f'SELECT * FROM "{table}"')).mappings().all()
            assert rows, f"{table}: no row of org {org} visible, the check would prove nothing"
            assert {r["org_id"] for r in rows} == {org}
            # Even asking for the other organization by name finds nothing.
            assert db.session.execute(sa.text(f'SELECT count(*) FROM "{table}" WHERE org_id = :o'), {"o": other}).scalar() == 0
        db.session.rollback()


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_unscoped_orm_query_sees_only_the_current_org(two_orgs, table):
    a, b = two_orgs
    model = _mapped_class(table)
    assert model is not None, f"{table} has no mapped class"
    with unscoped(), org_context(a):
        objects = db.session.scalars(sa.select(model)).unique().all()
        assert objects and {o.org_id for o in objects} == {a}
    db.session.rollback()


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_no_organization_means_no_rows(two_orgs, table):
    with unscoped(), org_context(None):
        assert db.session.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar() == 0
    db.session.rollback()
    # A plain connection of the app role, with no setting at all (NULL, not ''), sees nothing either.
    with db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT current_setting('app.current_org', true)")) in (None, "")
        assert conn.scalar(sa.text(f'SELECT count(*) FROM "{table}"')) == 0


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_insert_with_another_orgs_id_is_refused(two_orgs, table):
    """A copy of one of A's rows, relabelled as B's, written while acting for A (Core SQL)."""
    a, b = two_orgs
    t = db.metadata.tables[table]
    columns = [c for c in t.c if not c.primary_key]
    copy = sa.select(*[sa.literal(b, sa.BigInteger).label("org_id") if c.name == "org_id" else c for c in columns])
    with unscoped(), org_context(a):
        assert db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar() > 0
        with pytest.raises(sa.exc.ProgrammingError) as error:
            db.session.execute(sa.insert(t).from_select([c.name for c in columns], copy.limit(1)))
        assert _sqlstate(error.value) == pg.InsufficientPrivilege.sqlstate
        assert "row-level security" in str(error.value)
    db.session.rollback()


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_update_moving_rows_to_another_org_is_refused(two_orgs, owner_engine, table):
    a, b = two_orgs
    with unscoped(), org_context(a):
        with pytest.raises(sa.exc.ProgrammingError) as error:
            db.session.execute(sa.text(f'UPDATE "{table}" SET org_id = :b WHERE org_id = :a'), {"a": a, "b": b})
        assert _sqlstate(error.value) == pg.InsufficientPrivilege.sqlstate
        assert "row-level security" in str(error.value)
    db.session.rollback()


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_update_and_delete_cannot_reach_another_orgs_rows(two_orgs, owner_engine, table):
    a, b = two_orgs
    with owner_engine.connect() as conn:
        before = sorted(org_ids_in(conn, table))
    with unscoped(), org_context(a):
        assert db.session.execute(sa.text(f'UPDATE "{table}" SET org_id = org_id WHERE org_id = :b'), {"b": b}).rowcount == 0
        assert db.session.execute(sa.text(f'DELETE FROM "{table}" WHERE org_id = :b'), {"b": b}).rowcount == 0
        db.session.commit()
    with owner_engine.connect() as conn:
        assert sorted(org_ids_in(conn, table)) == before


def test_orm_insert_for_another_org_is_refused_by_the_database(two_orgs):
    """Inside unscoped() the ORM's write guard lets an explicit org_id through; RLS does not."""
    a, b = two_orgs
    with unscoped(), org_context(a):
        db.session.add(PipelineStage(org_id=b, name="Planted", probability=5, expected_days=7, kind="open"))
        with pytest.raises(sa.exc.ProgrammingError) as error:
            db.session.flush()
        assert _sqlstate(error.value) == pg.InsufficientPrivilege.sqlstate
    db.session.rollback()


def test_a_user_sees_own_memberships_elsewhere_but_cannot_change_them(two_orgs, owner_engine):
    """Memberships are also visible to the user they name (the organization switcher needs
    that), for reading only: acting for A, the user cannot edit or remove their place in B."""
    a, b = two_orgs
    user = make_user("both@example.com")
    user_id = user.id
    for org in (a, b):
        with org_context(org):
            role = db.session.scalar(sa.select(Role).where(Role.name == "Sales Rep"))
            from crm.models import Membership

            db.session.add(Membership(user_id=user_id, role_id=role.id))
            db.session.commit()
    with unscoped(), org_context(a, user_id):
        rows = db.session.execute(sa.text("SELECT org_id, user_id FROM memberships")).all()
        assert {(o, u) for o, u in rows if o == b} == {(b, user_id)}, "B's other members stay hidden"
        assert any(o == a and u != user_id for o, u in rows)
        assert db.session.execute(sa.text("DELETE FROM memberships WHERE org_id = :b"), {"b": b}).rowcount == 0
        assert db.session.execute(sa.text("UPDATE memberships SET active = false WHERE org_id = :b"), {"b": b}).rowcount == 0
        db.session.commit()
    with owner_engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT active FROM memberships WHERE org_id = :b AND user_id = :u"),
                           {"b": b, "u": user_id}) is True
