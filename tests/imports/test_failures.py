"""A failure in the middle of an import: the chunk it hit is written whole or not at all, a
retry carries on from the cursor, and nothing is ever imported twice."""

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.jobs.lead_import import run_lead_import
from crm.models import BackgroundJob
from crm.models import Lead
from crm.models import LeadImportRow
from crm.services import background_jobs
from crm.services.lead_import import processing
from tests.helpers import tenant
from tests.imports.support import csv_bytes
from tests.imports.support import lead_emails
from tests.imports.support import people
from tests.imports.support import run_import
from tests.imports.support import the_import
from tenants.context import org_context

ROWS = 23  # chunks of 5: the fifth is short


@pytest.fixture
def app_config(app_config):
    return {**app_config, "JOB_RETRY_DELAYS": (0, 0, 0)}


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(processing, "CHUNK_ROWS", 5)


def _data():
    return csv_bytes(people(ROWS) + [["Twice", "Over", "person0@example.com", "", "", ""], ["", "", "x@", "", "", ""]])


def _crash_in_chunk(monkeypatch, chunk: int, times: int) -> list[int]:
    """Raise after the chunk's leads are inserted and before its rows are recorded, ``times`` times."""
    real, calls, crashes = processing._record, [0], []

    def record(imp, outcomes):
        calls[0] += 1
        if calls[0] >= chunk and len(crashes) < times:
            crashes.append(calls[0])
            raise ConnectionError("the database went away")
        return real(imp, outcomes)

    monkeypatch.setattr(processing, "_record", record)
    return crashes


def _assert_exact(org, import_id):
    imp = the_import(org, import_id)
    assert (imp.status, imp.created_count, imp.skipped_count, imp.failed_count) == ("finished", ROWS, 1, 1)
    assert imp.rows_done == imp.total_rows == ROWS + 2
    emails = lead_emails(org)
    assert emails == sorted(set(emails)) and len(emails) == ROWS
    with tenant(org):
        numbers = db.session.scalars(sa.select(LeadImportRow.row_number).order_by(LeadImportRow.row_number)).all()
    assert numbers == list(range(2, ROWS + 4)), "every row has exactly one outcome"


def test_a_failure_in_the_second_chunk_is_retried_without_duplicates(admin_a, org_a, small_chunks, monkeypatch):
    crashes = _crash_in_chunk(monkeypatch, chunk=2, times=1)
    import_id = run_import(admin_a, "acme", _data())
    assert crashes == [2]
    _assert_exact(org_a, import_id)
    with tenant(org_a):
        job = db.session.get(BackgroundJob, the_import(org_a, import_id).job_id)
        assert job.status == "succeeded"


def test_an_import_that_fails_for_good_says_what_was_written_and_a_retry_finishes_it(admin_a, org_a, small_chunks,
                                                                                    monkeypatch):
    crashes = _crash_in_chunk(monkeypatch, chunk=3, times=5)  # every attempt of the third chunk
    import_id = run_import(admin_a, "acme", _data())
    assert len(crashes) == 5
    imp = the_import(org_a, import_id)
    assert (imp.status, imp.created_count, imp.rows_done) == ("failed", 10, 10)
    assert "ConnectionError" in imp.error
    assert len(lead_emails(org_a)) == 10, "the two chunks that committed, nothing of the third"
    page = admin_a.get(f"/acme/leads/imports/{import_id}").get_data(as_text=True)
    assert "The import stopped" in page and "Background jobs" in page

    with tenant(org_a):
        job = db.session.get(BackgroundJob, imp.job_id)
        background_jobs.retry_job(job)
        db.session.commit()  # the retry runs in-process, after the commit
    _assert_exact(org_a, import_id)


def test_running_the_job_again_after_it_finished_changes_nothing(admin_a, org_a, small_chunks):
    import_id = run_import(admin_a, "acme", _data())
    with org_context(org_a.id):
        run_lead_import(import_id)
        db.session.commit()
    _assert_exact(org_a, import_id)


def test_a_second_copy_of_the_job_carries_on_from_the_cursor_not_from_the_start(app, admin_a, org_a, small_chunks,
                                                                                 monkeypatch):
    """Two copies of the job (a stale one sent again while the first was slow) share the work."""
    monkeypatch.setattr("crm.jobs.lead_import.run_again", lambda: None)  # each call does one chunk only
    import_id = run_import(admin_a, "acme", _data())
    assert the_import(org_a, import_id).rows_done == 5
    for _ in range(10):
        with org_context(org_a.id):
            run_lead_import(import_id)
            db.session.commit()
    _assert_exact(org_a, import_id)


def test_a_job_of_one_organization_never_touches_anothers_leads(app, admin_a, org_a, org_b, client):
    """The same emails in B's leads: A's import neither skips, updates nor sees them."""
    with tenant(org_b):
        db.session.add(Lead(first_name="B", last_name="Own", email="person1@example.com", title="Kept"))
        db.session.commit()
    import_id = run_import(admin_a, "acme", csv_bytes(people(3)), duplicate_policy="update")
    assert the_import(org_a, import_id).created_count == 3
    with tenant(org_b):
        (lead,) = db.session.scalars(sa.select(Lead)).all()
        assert (lead.first_name, lead.title) == ("B", "Kept")
    with org_context(org_b.id):  # B running A's import id finds nothing to do
        run_lead_import(import_id)
        db.session.commit()
    assert lead_emails(org_b) == ["person1@example.com"]
