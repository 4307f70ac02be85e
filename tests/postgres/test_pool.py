"""No organization bleeds through a pooled connection.

The setting is transaction-local (``set_config(..., true)``): once the transaction that
acted for A ends, the same physical connection reads it back as ``''`` and sees no rows.
With ``pool_size=1`` the next checkout is provably that connection (same backend pid).
"""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm.extensions import db
from tenants.context import org_context
from tenants.rls import install_rls_settings
from tenants.scoping import install_scoping
from tests.conftest import pg_urls

pytestmark = pytest.mark.postgres

SETTING = sa.text("SELECT current_setting('app.current_org', true)")
PID = sa.text("SELECT pg_backend_pid()")


@pytest.fixture
def one_connection_engine(app):
    app_url, _ = pg_urls()
    engine = sa.create_engine(app_url, pool_size=1, max_overflow=0, pool_timeout=10)
    install_rls_settings(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(one_connection_engine):
    """A session on that engine with the app's own hooks, as a request or job would have."""
    sessions = []

    def make() -> Session:
        session = Session(one_connection_engine)
        install_scoping(session)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


def test_after_commit_the_pooled_connection_reads_no_org(two_orgs, one_connection_engine, session_factory):
    a, _ = two_orgs
    session = session_factory()
    with org_context(a):
        assert session.scalar(SETTING) == str(a)
        pid = session.scalar(PID)
        assert session.scalar(sa.text("SELECT count(*) FROM roles")) > 0
        session.commit()
        # The next transaction of the same session acts for A again (after_begin re-applies it).
        assert session.scalar(SETTING) == str(a)
        session.commit()
    session.close()
    with one_connection_engine.connect() as conn:
        assert conn.scalar(PID) == pid, "pool_size=1: this must be the same server connection"
        assert conn.scalar(SETTING) == ""
        assert conn.scalar(sa.text("SELECT count(*) FROM roles")) == 0
    # And a new session outside any organization, on that same connection, sees nothing.
    other = session_factory()
    assert other.scalar(PID) == pid
    assert other.scalar(SETTING) == ""
    assert other.scalar(sa.text("SELECT count(*) FROM memberships")) == 0


def test_consecutive_orgs_on_one_connection_see_only_their_own(two_orgs, one_connection_engine, session_factory):
    a, b = two_orgs
    pids = set()
    for org in (a, b, a, b):
        session = session_factory()
        with org_context(org):
            pids.add(session.scalar(PID))
            assert set(session.scalars(sa.text("SELECT DISTINCT org_id FROM pipeline_stages"))) == {org}
            session.commit()
        session.close()
    assert len(pids) == 1


def test_the_check_would_catch_a_session_level_setting(two_orgs):
    """The control: a plain (session-level) setting does survive on a pooled connection, so
    the '' read back above is the transaction-local setting at work, not a fresh connection."""
    a, _ = two_orgs
    app_url, _ = pg_urls()
    bare = sa.create_engine(app_url, pool_size=1, max_overflow=0)  # without the app's hook
    try:
        with bare.connect() as conn:
            pid = conn.scalar(PID)
            conn.execute(sa.text("SELECT set_config('app.current_org', :o, false)"), {"o": str(a)})
            conn.commit()
        with bare.connect() as conn:
            assert conn.scalar(PID) == pid
            assert conn.scalar(SETTING) == str(a)
    finally:
        bare.dispose()


def test_a_leaked_session_level_setting_is_overridden(two_orgs, one_connection_engine, session_factory):
    """Even a setting that something left on the connection for good is replaced by "nobody"
    at the start of the next transaction: the hook sets it first in every transaction."""
    a, _ = two_orgs
    with one_connection_engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT set_config('app.current_org', '{a}', false)")
        conn.commit()
    session = session_factory()
    assert session.scalar(SETTING) == ""
    assert session.scalar(sa.text("SELECT count(*) FROM roles")) == 0


def test_leaving_an_org_mid_transaction_acts_for_nobody_at_once(two_orgs, session_factory):
    a, _ = two_orgs
    session = session_factory()
    with org_context(a):
        assert session.scalar(sa.text("SELECT count(*) FROM roles")) > 0
    assert session.scalar(SETTING) == ""
    assert session.scalar(sa.text("SELECT count(*) FROM roles")) == 0


def test_a_rolled_back_savepoint_does_not_take_the_org_with_it(two_orgs, session_factory):
    a, _ = two_orgs
    session = session_factory()
    session.scalar(PID)
    savepoint = session.begin_nested()
    session.scalar(PID)  # the SAVEPOINT is sent with the first statement after begin_nested()
    with org_context(a):
        assert session.scalar(SETTING) == str(a)
        savepoint.rollback()  # PostgreSQL undoes the set_config made inside the savepoint
        assert session.scalar(SETTING) == str(a)
        assert session.scalar(sa.text("SELECT count(*) FROM roles")) > 0


def test_the_app_session_clears_the_org_between_transactions(two_orgs):
    """The same through Flask-SQLAlchemy's session and the app's own engine and pool."""
    a, _ = two_orgs
    with org_context(a):
        assert db.session.scalar(SETTING) == str(a)
        db.session.commit()
    assert db.session.scalar(SETTING) == ""
    assert db.session.scalar(sa.text("SELECT count(*) FROM roles")) == 0
    db.session.commit()
