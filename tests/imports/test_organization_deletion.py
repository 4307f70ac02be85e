"""Deleting an organization deletes its imports' row outcomes and its tag links, which reach
the organization only through their parents (TenantScoped.__org_through_parent__). On
PostgreSQL the deletion runs as the owner role, as an operator's would (row-level security
hides every row from the app role outside an organization)."""

import sqlalchemy as sa

from crm.extensions import db
from tenants.context import unscoped
from tests.conftest import pg_urls
from tests.imports.support import csv_bytes
from tests.imports.support import people
from tests.imports.support import run_import


def _connection():
    if db.engine.dialect.name == "postgresql":
        return sa.create_engine(pg_urls()[1], poolclass=sa.pool.NullPool).begin()
    return db.engine.begin()


def _rows_by_organization(conn, table: str) -> dict[str, int]:
    return dict(conn.execute(sa.text(f"SELECT o.slug, count(*) FROM {table} t JOIN organizations o ON o.id = t.org_id "
                                     "GROUP BY o.slug")).all())


def test_deleting_an_organization_deletes_its_import_rows_and_tag_links_through_their_parents(admin_a, org_a, org_b):
    run_import(admin_a, "acme", csv_bytes(people(3) + [["", "", "bad", "", "", ""]]), tag="webinar")
    db.session.remove()
    with unscoped(), _connection() as conn:
        assert _rows_by_organization(conn, "lead_import_rows") == {"acme": 4}
        assert _rows_by_organization(conn, "lead_tags") == {"acme": 3}
        conn.execute(sa.text("DELETE FROM organizations WHERE slug = 'acme'"))
        assert conn.scalar(sa.text("SELECT count(*) FROM lead_import_rows")) == 0
        assert conn.scalar(sa.text("SELECT count(*) FROM lead_tags")) == 0
        assert conn.scalar(sa.text("SELECT count(*) FROM organizations WHERE slug = 'bravo'")) == 1
