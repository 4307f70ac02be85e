"""A large import, once scored, refreshes PostgreSQL's statistics of the lead tables, so that
queries about the organization it filled are planned for its real size (migration 0015)."""

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.services import bulk
from tests.imports.support import csv_bytes
from tests.imports.support import people
from tests.imports.support import run_import

pytestmark = pytest.mark.postgres


def _estimated_leads() -> float:
    return db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'leads'"))


def test_a_large_import_leaves_the_planner_knowing_how_many_leads_there_are(admin_a, org_a, monkeypatch):
    monkeypatch.setattr(bulk, "ANALYZE_AFTER_ROWS", 20)
    run_import(admin_a, "acme", csv_bytes(people(25)))
    db.session.remove()
    assert _estimated_leads() == 25


def test_a_small_import_leaves_the_statistics_alone(admin_a, org_a, monkeypatch):
    monkeypatch.setattr(bulk, "ANALYZE_AFTER_ROWS", 20)
    run_import(admin_a, "acme", csv_bytes(people(5)))
    db.session.remove()
    assert _estimated_leads() != 5
