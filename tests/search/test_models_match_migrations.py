"""The models declare what the migrations build: autogenerate proposes no changes at head.

``flask db migrate`` compares the models with the database; an index created by a migration
but missing from the models (as the 0004 lead indexes were) comes out as a proposal to drop
it. These tests run the same comparison (``alembic.autogenerate.compare_metadata``, with
``compare_type`` as migrations/env.py sets it) against a database upgraded to head.
"""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crm.extensions import db
from crm.models.base import migration_filter
from tests.conftest import ON_POSTGRES
from tests.conftest import _base_config
from tests.conftest import _migrate
from tests.conftest import pg_urls


def _differences(url: str) -> list:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            # The options migrations/env.py gives alembic.
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_object": migration_filter(conn.dialect.name)})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_at_head_matches_the_models(database):
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: run with CRM_TEST_BACKEND=postgres (make test-postgres)")
    _, owner_url = pg_urls()
    # Nothing filtered: the partial list indexes compare as plain ones (alembic does not compare
    # WHERE clauses), and the crm_ci indexes as (org_id, column) on both sides (see
    # crm/models/base.py search_indexes for why their collation is declared in postgresql_ops).
    assert _differences(owner_url) == []


def test_sqlite_at_head_matches_the_models(tmp_path):
    """On a SQLite database of its own, so that it runs in either backend's pass."""
    url = f"sqlite:///{tmp_path / 'head.sqlite3'}"
    _migrate(_base_config(url, url))
    # The crm_ci search indexes are declared for PostgreSQL only (Index.ddl_if) and SQLite's
    # migrations do not create them; migration_filter keeps them out of the comparison, as it
    # does for `flask db migrate`.
    assert _differences(url) == []
