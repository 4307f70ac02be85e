"""The admin console's background jobs: failures with their error, and a retry."""

import sqlalchemy as sa

from crm.extensions import db
from crm.jobs import enqueue
from crm.models import AuditEntry
from crm.models import BackgroundJob
from tenants.context import org_context
from tests.jobs import job_functions as jobs


def _fail_a_job(org) -> int:
    jobs.FAILURES_LEFT["retry-me"] = 3
    with org_context(org.id):
        job_id = enqueue(jobs.flaky, org.id, "retry-me", kind="lead_import", max_attempts=3)
        db.session.commit()
    return job_id


def test_a_failed_job_shows_its_error_and_can_be_retried(admin_a, org_a):
    job_id = _fail_a_job(org_a)
    page = admin_a.get("/acme/admin/jobs?status=failed").get_data(as_text=True)
    assert f'id="job-{job_id}"' in page and "Lead import" in page
    assert "ConnectionError: the mail server did not answer" in page
    assert "3 of 3" in page and "Retry" in page

    response = admin_a.post(f"/acme/admin/jobs/{job_id}/retry", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "queued again" in response.headers["HX-Trigger"]
    with org_context(org_a.id):
        job = db.session.get(BackgroundJob, job_id)
        assert (job.status, job.attempts, job.error) == ("succeeded", 1, None)
        assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.target_id == job_id)) == "job.retry"


def test_only_a_failed_job_can_be_retried(admin_a, org_a):
    with org_context(org_a.id):
        job_id = enqueue(jobs.record_tag, org_a.id, "fine", kind="test")
        db.session.commit()
    response = admin_a.post(f"/acme/admin/jobs/{job_id}/retry", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "Only a failed job can be retried; this one is succeeded." in response.headers["HX-Trigger"]


def test_the_list_refreshes_itself_only_while_a_job_is_active(admin_a, org_a):
    with org_context(org_a.id):
        job_id = enqueue(jobs.record_tag, org_a.id, "done", kind="test")
        db.session.commit()
    assert 'hx-trigger="every 2s"' not in admin_a.get("/acme/admin/jobs").get_data(as_text=True)
    with org_context(org_a.id):
        db.session.get(BackgroundJob, job_id).status = "running"
        db.session.commit()
    assert 'hx-trigger="every 2s"' in admin_a.get("/acme/admin/jobs").get_data(as_text=True)


def test_members_without_the_permission_cannot_see_or_retry_jobs(client, org_a):
    job_id = _fail_a_job(org_a)
    client.login("sales.manager@acme.example")
    assert client.get("/acme/admin/jobs").status_code == 403
    assert client.post(f"/acme/admin/jobs/{job_id}/retry").status_code == 403
