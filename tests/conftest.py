"""Fixtures: a migrated database per test on SQLite (default) or PostgreSQL (CI).

The schema is built by the real migrations, once per run, then copied (SQLite) or emptied
(PostgreSQL) for each test. On PostgreSQL the app connects as the non-owner app role, so
row-level security is live in every test; the owner connection cleans up.
"""

import os
import shutil

import pytest
import sqlalchemy as sa

from crm import clock
from crm import create_app
from crm.extensions import db
from tests.helpers import CSRFClient
from tests.helpers import add_member
from tests.helpers import make_org

BACKEND = os.environ.get("CRM_TEST_BACKEND", "sqlite")
ON_POSTGRES = BACKEND == "postgres"
CI = os.environ.get("CI", "").lower() == "true"


def _base_config(database_url: str, migration_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": migration_url,
        "SERVER_NAME": "localhost",
        "JOB_RETRY_DELAYS": (0, 0, 0),  # tests count attempts, they do not wait for them
    }


def _migrate(config: dict) -> None:
    from flask_migrate import upgrade

    app = create_app(config)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def pg_urls() -> tuple[str, str]:
    app_url = os.environ.get("TEST_DATABASE_URL")
    owner_url = os.environ.get("TEST_DATABASE_OWNER_URL")
    if not app_url or not owner_url:
        pytest.exit("CRM_TEST_BACKEND=postgres needs TEST_DATABASE_URL (app role) and TEST_DATABASE_OWNER_URL (owner role)", 2)
    from crm.config import _psycopg3

    return _psycopg3(app_url), _psycopg3(owner_url)


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """The migrated schema: a template SQLite file, or a PostgreSQL database reset once."""
    if ON_POSTGRES:
        app_url, owner_url = pg_urls()
        engine = sa.create_engine(owner_url)
        with engine.begin() as conn:
            tables = conn.scalars(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
            for table in tables:
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
        engine.dispose()
        _migrate(_base_config(app_url, owner_url))
        return {"app_url": app_url, "owner_url": owner_url}
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    url = f"sqlite:///{template}"
    _migrate(_base_config(url, url))
    return {"template": template}


def _truncate_all(owner_url: str) -> None:
    engine = sa.create_engine(owner_url)
    with engine.begin() as conn:
        tables = conn.scalars(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")).all()
        if tables:
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture
def app_config(database, tmp_path) -> dict:
    if ON_POSTGRES:
        return _base_config(database["app_url"], database["owner_url"])
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(database["template"], path)
    return _base_config(f"sqlite:///{path}", f"sqlite:///{path}")


@pytest.fixture
def app(app_config, database):
    app = create_app(app_config)
    app.test_client_class = CSRFClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    clock.reset()
    if ON_POSTGRES:
        _truncate_all(database["owner_url"])


@pytest.fixture
def redis_worker(app):
    """Jobs go through the real Redis of TEST_REDIS_URL instead of running in-process; call
    the result to run an rq SimpleWorker in burst mode until the queue is empty."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs a real Redis: set TEST_REDIS_URL (CI does)")
    from rq import SimpleWorker

    from crm.jobs.queue import redis_connection
    from crm.jobs.queue import rq_queue

    app.config["REDIS_URL"] = url
    connection = redis_connection(app)
    connection.flushdb()

    def run_worker() -> None:
        SimpleWorker([rq_queue(app)], connection=connection).work(burst=True)

    yield run_worker
    connection.flushdb()
    app.config["REDIS_URL"] = None


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def other_client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def org_a(app):
    """Organization A with an Administrator and one member of every other default role."""
    org, admin = make_org("acme", "admin@acme.example", "Acme Inc")
    for role in ("Sales Rep", "Sales Manager", "Marketing Manager"):
        add_member(org, f"{role.lower().replace(' ', '.')}@acme.example", role)
    return org


@pytest.fixture
def org_b(app):
    org, admin = make_org("bravo", "admin@bravo.example", "Bravo GmbH")
    add_member(org, "sales.rep@bravo.example", "Sales Rep")
    return org


@pytest.fixture
def admin_a(client, org_a) -> CSRFClient:
    """A client signed in as A's Administrator."""
    response = client.login("admin@acme.example")
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: a PostgreSQL or browser test that did not run proved nothing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if CI and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI=true and {len(skipped)} test(s) were skipped: failing the run.", red=True)
        session.exitstatus = 1


# The browser harness, registered once here for every test folder: a session-scoped fixture
# imported into several modules is instantiated once per module, and a second Playwright
# started while the first runs fails ("Sync API inside the asyncio loop").
from tests.browser.harness import browser  # noqa: E402,F401
from tests.browser.harness import live_server  # noqa: E402,F401
from tests.browser.harness import new_page  # noqa: E402,F401
from tests.browser.harness import page  # noqa: E402,F401
