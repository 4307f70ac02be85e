"""The database setting follows the tenant context both ways: into an organization and out.

The setting is what RLS reads, so whenever the context changes inside an open transaction
(``org_context`` entered or left) the transaction must follow, or it
acts for an organization or a user the code is no longer acting for.
"""

import pytest
import sqlalchemy as sa

from crm.extensions import db
from tenants.context import org_context
from tenants.context import unscoped

pytestmark = pytest.mark.postgres

SETTING = sa.text("SELECT current_setting('app.current_org', true)")


def test_entering_an_org_applies_to_the_open_transaction(two_orgs):
    a, _ = two_orgs
    assert db.session.scalar(SETTING) in ("", None)  # opens the transaction with no org
    with org_context(a):
        assert db.session.scalar(SETTING) == str(a)
        assert db.session.scalar(sa.text("SELECT count(*) FROM roles")) > 0
    db.session.rollback()


def test_leaving_an_org_puts_the_open_transaction_back(two_orgs):
    a, b = two_orgs
    with org_context(a):
        assert db.session.scalar(SETTING) == str(a)
        with org_context(b):
            assert db.session.scalar(SETTING) == str(b)
        assert db.session.scalar(SETTING) == str(a)
    with unscoped():
        assert db.session.scalar(SETTING) == ""
        assert db.session.scalar(sa.text("SELECT count(*) FROM roles")) == 0
    db.session.rollback()


def test_leaving_an_org_after_a_failed_statement_keeps_the_original_error(two_orgs):
    """Leaving runs in ``finally``: on a transaction PostgreSQL has aborted it must not raise
    an error of its own, which would hide the one that got it there."""
    a, _ = two_orgs
    with pytest.raises(sa.exc.ProgrammingError, match="no_such_table"):
        with org_context(a):
            db.session.execute(sa.text("SELECT * FROM no_such_table"))
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        with org_context(a):
            db.session.execute(sa.text("INSERT INTO roles (org_id, name, permissions, is_administrator, created_at) "
                                       "VALUES (:a, 'Administrator', '[]', false, now())"), {"a": a})
    db.session.rollback()
    assert db.session.scalar(SETTING) == ""
