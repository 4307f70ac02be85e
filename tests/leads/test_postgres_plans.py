"""PostgreSQL: the lead list's search and counts can use their indexes under row-level security.

Only leakproof conditions may drive an index scan on a table with RLS, so a search written
with ``lower()`` silently scans every lead of the organization. These tests read the plans
as the app role (RLS live), with sequential scans priced out so that the tiny test tables do
not hide what the planner is allowed to do.
"""

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from crm.extensions import db
from crm.services import leads
from tenants.context import org_context
from tests.conftest import ON_POSTGRES
from tests.conftest import pg_urls

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _needs_postgres():
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: run with CRM_TEST_BACKEND=postgres (make test-postgres)")


@pytest.fixture
def org_with_leads(app, org_a):
    """Enough leads, analysed, for the planner to prefer selective indexes."""
    names = ["Smith", "Jones", "Garcia", "Kim", "Okafor", "Rossi", "Novak", "Tanaka"]
    with org_context(org_a.id):
        db.session.add_all(leads.Lead(first_name=f"P{i}", last_name=f"{names[i % 8]}{i}", status="new",
                                      email=f"p{i}@example.com", phone=f"+1415555{i:04d}",
                                      deleted_at=sa.func.now() if i % 50 == 0 else None) for i in range(3000))
        db.session.commit()
    _, owner_url = pg_urls()
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE leads"))
    engine.dispose()
    return org_a


def _plan(org, statement) -> str:
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with org_context(org.id):
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        rows = db.session.execute(sa.text("EXPLAIN " + sql)).scalars().all()
        db.session.rollback()
    return "\n".join(rows)


def _app_role_is_connected():
    user = db.session.scalar(sa.text("SELECT current_user"))
    assert not db.session.scalar(sa.text("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user")), user


def test_search_words_use_the_case_insensitive_prefix_indexes(app, org_with_leads):
    org_a = org_with_leads
    _app_role_is_connected()
    with org_context(org_a.id):
        by_name = leads.list_query().where(leads.LIST.search("smi"))
        by_phone = leads.list_query().where(leads.LIST.search("41555501"))
    plan = _plan(org_a, by_name)
    for column in ("first_name", "last_name", "email", "company_name"):
        assert f"Bitmap Index Scan on ix_leads_org_id_{column}_ci" in plan, plan
    assert "Bitmap Index Scan on ix_leads_org_id_phone_ci" in _plan(org_a, by_phone)


def test_filtered_count_is_an_index_only_scan_of_live_leads(app, org_with_leads):
    org_a = org_with_leads
    with org_context(org_a.id):
        query = leads.list_query().where(leads.LIST.filters["status"].where("working"))
        count = sa.select(sa.func.count()).select_from(query.with_only_columns(leads.Lead.id).order_by(None).subquery())
    plan = _plan(org_a, count)
    assert "Index Only Scan using ix_leads_org_id_status_created_at_id" in plan, plan


def test_duplicate_email_check_uses_an_index(app, org_with_leads):
    org_a = org_with_leads
    with org_context(org_a.id):
        statement = sa.select(leads.Lead.id).where(leads._same_lead_email("ada@example.com"))
    plan = _plan(org_a, statement)
    assert "ix_leads_org_id_email_ci" in plan, plan
