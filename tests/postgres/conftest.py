"""Fixtures for the PostgreSQL-only isolation tests (row-level security, roles, the pool).

These tests run in the PostgreSQL pass only (``CRM_TEST_BACKEND=postgres``). The app under
test connects as the app role (``TEST_DATABASE_URL``); ``owner_engine`` connects as the
table owner (``TEST_DATABASE_OWNER_URL``, BYPASSRLS), to see what RLS hides from the app.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import AuditEntry
from crm.models import Invitation
from crm.models import Role
from tenants.context import org_context
from tenants.scoping import tenant_tables
from tests.conftest import ON_POSTGRES
from tests.conftest import pg_urls

# Every tenant table, known at collection time, so that each gets its own test id.
TENANT_TABLES = [t.name for t in tenant_tables(db.metadata)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: run with CRM_TEST_BACKEND=postgres (make test-postgres)")


@pytest.fixture
def owner_engine(app):
    """The owner role's connection: it bypasses RLS, so it sees every organization's rows."""
    _, owner_url = pg_urls()
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def _seed_audit_entries(org) -> None:
    db.session.add(AuditEntry(action="test.seed", target_type="Organization", target_id=org.id,
                              summary=f"seeded for {org.slug}"))


def _seed_invitations(org) -> None:
    role = db.session.scalar(sa.select(Role).where(Role.name == "Sales Rep"))
    db.session.add(Invitation(email=f"invitee@{org.slug}.example", role_id=role.id, nonce="0" * 32,
                              expires_at=clock.now() + timedelta(days=7)))


# Rows that organizations do not get on creation. A new tenant table whose rows are not made
# by ``make_org`` needs an entry here, or ``test_every_tenant_table_has_rows_of_both_orgs``
# fails: an isolation test over an empty table would prove nothing.
SEEDERS = {
    "audit_entries": _seed_audit_entries,
    "invitations": _seed_invitations,
}


@pytest.fixture
def two_orgs(app, org_a, org_b) -> tuple[int, int]:
    """The ids of A and B, with rows of both in every tenant table, committed; no transaction left open."""
    ids = org_a.id, org_b.id
    for org in (org_a, org_b):
        with org_context(org.id):
            for seed in SEEDERS.values():
                seed(org)
            db.session.commit()
    db.session.remove()
    return ids


def org_ids_in(conn, table: str) -> list[int]:
    return conn.scalars(sa.text(f'SELECT org_id FROM "{table}"')).all()
