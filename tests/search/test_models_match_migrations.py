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
from tests.conftest import ON_POSTGRES
from tests.conftest import _base_config
from tests.conftest import _migrate
from tests.conftest import pg_urls


def _differences(url: str) -> list:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def _postgresql_only() -> set[str]:
    """Names of the indexes the models declare for PostgreSQL only (``Index.ddl_if``)."""
    return {index.name for table in db.metadata.tables.values() for index in table.indexes
            if index._ddl_if is not None and index._ddl_if.dialect == "postgresql"}


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
    differences = _differences(url)
    # The crm_ci search indexes are declared for PostgreSQL only (Index.ddl_if): SQLite has no
    # ICU collation, and its migrations do not create them. Alembic's comparison ignores
    # ddl_if, so it reports them as missing here; nothing else may differ.
    # (The diff holds a copy of each index, without its ddl_if: they are matched by name.)
    postgresql_only = [d for d in differences if d[0] == "add_index" and d[1].name in _postgresql_only()]
    assert len(postgresql_only) == 13, differences
    assert [d for d in differences if d not in postgresql_only] == []
