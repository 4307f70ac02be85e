"""The import in real rq workers on the real Redis (PostgreSQL pass): chunks take turns with
other organizations' jobs, and a worker killed outright (SIGKILL) again and again mid-import
loses nothing and duplicates nothing once its job is sent again."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.jobs import requeue_stale_jobs
from crm.jobs.lead_import import queue_import
from crm.models import Lead
from crm.models import LeadImport
from crm.models import LeadImportRow
from crm.services import lead_import
from crm.services.lead_import import processing
from tenants.context import org_context
from tests.helpers import tenant
from tests.imports.support import csv_bytes
from tests.imports.support import people
from tests.imports.support import run_import
from tests.imports.support import the_import

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def test_chunks_take_turns_with_another_organizations_import(admin_a, org_a, org_b, other_client, redis_worker,
                                                            monkeypatch):
    monkeypatch.setattr(processing, "CHUNK_ROWS", 5)
    big = run_import(admin_a, "acme", csv_bytes(people(40)))
    other_client.login("admin@bravo.example")
    small = run_import(other_client, "bravo", csv_bytes(people(3, domain="bravo.example")))
    assert the_import(org_a, big).status == "queued"  # nothing runs before a worker does
    redis_worker()
    a, b = the_import(org_a, big), the_import(org_b, small)
    assert (a.status, a.created_count, b.status, b.created_count) == ("finished", 40, "finished", 3)
    assert b.finished_at < a.finished_at, "B's small import did not wait for A's eight chunks"
    page = admin_a.get(f"/acme/leads/imports/{big}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "40 of 40 rows done" in page and "every 1s" not in page


ROWS = 100_000
EXISTING = 2_000  # already leads: skipped
INVALID = 500  # rows with a broken email: failed
REPEATED = 300  # the same email as an earlier row: skipped


def _file() -> tuple[bytes, set[str]]:
    rows, valid, last = [], set(), None
    for i in range(ROWS):
        if i % (ROWS // INVALID) == 7:
            rows.append([f"Broken{i}", f"broken{i}@"])
        elif i % (ROWS // REPEATED) == 11:
            rows.append([f"Again{i}", last])
        else:
            last = f"row{i}@example.com"
            rows.append([f"Last{i}", last])
            valid.add(last)
    return csv_bytes(rows, header=["Last Name", "Email"]), valid


def _start(org_id: int, data: bytes) -> int:
    with org_context(org_id):
        imp = lead_import.create_import("big.csv", io.BytesIO(data))
        lead_import.start_import(imp, {"column_0": "last_name", "column_1": "email", "duplicate_policy": "skip"})
        queue_import(imp)
        db.session.commit()
        return imp.id


def _progress(org_id: int, import_id: int) -> tuple[str, int]:
    with tenant(org_id):
        return db.session.execute(sa.select(LeadImport.status, LeadImport.rows_done)
                                  .where(LeadImport.id == import_id)).one()


def _worker(app, burst: bool) -> subprocess.Popen:
    env = {**os.environ, "FLASK_APP": "wsgi.py", "SECRET_KEY": "x" * 32, "REDIS_URL": app.config["REDIS_URL"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    command = [sys.executable, "-m", "flask", "crm", "worker"] + (["--burst"] if burst else [])
    # A session of its own, so that killing its process group also kills the work horse rq forks.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_worker_killed_again_and_again_ends_with_exactly_the_files_valid_rows(app, org_a, redis_worker):
    data, valid = _file()
    org_id = org_a.id  # the session is reset after each kill: ids, not objects
    with tenant(org_id):
        db.session.execute(sa.insert(Lead), [{"org_id": org_id, "last_name": "Old", "email": f"row{i}@example.com",
                                              "custom_fields": {}} for i in range(0, ROWS, ROWS // EXISTING)])
        db.session.commit()
    existing = {f"row{i}@example.com" for i in range(0, ROWS, ROWS // EXISTING)}
    import_id = _start(org_id, data)

    workers = []
    try:
        for kill_after in (15_000, 40_000, 70_000):
            workers.append(_worker(app, burst=False))
            _wait_for(lambda: _progress(org_id, import_id)[1] >= kill_after, 120, f"{kill_after:,} rows")
            os.killpg(workers[-1].pid, signal.SIGKILL)
            workers[-1].wait()
            assert _progress(org_id, import_id)[0] == "running", "killed mid-run"
            db.session.remove()
            assert requeue_stale_jobs(0) >= 1
        workers.append(_worker(app, burst=True))
        # Then the worker goes on with the imported leads' scoring, which is not this test's.
        _wait_for(lambda: _progress(org_id, import_id)[0] == "finished", 120, "the end of the import")
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()

    with tenant(org_id):
        emails = db.session.scalars(sa.select(Lead.email)).all()
        imp = db.session.execute(sa.select(LeadImport.created_count, LeadImport.skipped_count, LeadImport.failed_count,
                                           LeadImport.rows_done, LeadImport.total_rows)
                                 .where(LeadImport.id == import_id)).one()
        outcomes = dict(db.session.execute(sa.select(LeadImportRow.outcome, sa.func.count())
                                           .where(LeadImportRow.import_id == import_id).group_by(LeadImportRow.outcome)).all())
        numbered = db.session.scalar(sa.select(sa.func.count(sa.distinct(LeadImportRow.row_number)))
                                     .where(LeadImportRow.import_id == import_id))
    assert len(emails) == len(set(emails)), "no lead twice"
    assert set(emails) == valid | existing, "every valid row, none missing"
    created = len(valid - existing)
    assert (imp.created_count, imp.skipped_count, imp.failed_count) == (created, ROWS - created - INVALID, INVALID)
    assert outcomes == {"created": created, "skipped": ROWS - created - INVALID, "failed": INVALID}
    assert imp.rows_done == imp.total_rows == numbered == ROWS
