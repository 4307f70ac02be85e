"""What admins see of background jobs, and retrying one that failed for good."""

import sqlalchemy as sa

from crm.clock import now
from crm.extensions import db
from crm.jobs.queue import dispatch_after_commit
from crm.models import BackgroundJob
from crm.models import User
from crm.services import ServiceError
from crm.services import audit

PAGE_SIZE = 50
STATUS_FILTERS = {"": None, "failed": ("failed",), "active": ("queued", "running", "retrying"),
                  "succeeded": ("succeeded",)}
KIND_LABELS = {"lead_import": "Lead import", "lead_scoring": "Lead scoring", "email": "Email",
               "digest": "Daily digest", "invitation_email": "Invitation email"}


def recent_jobs(status: str = "") -> list[tuple[BackgroundJob, str | None]]:
    """The newest jobs with the name of who started them, in one statement."""
    query = (sa.select(BackgroundJob, User.name).outerjoin(User, User.id == BackgroundJob.created_by_id)
             .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc()).limit(PAGE_SIZE))
    statuses = STATUS_FILTERS.get(status)
    if statuses:
        query = query.where(BackgroundJob.status.in_(statuses))
    return [tuple(row) for row in db.session.execute(query)]


def retry_job(job: BackgroundJob) -> None:
    """Run a failed job again from the start of what it had left: jobs are idempotent, so work
    it committed before failing is not done twice."""
    if job.status != "failed":
        raise ServiceError(f"Only a failed job can be retried; this one is {job.status}.")
    job.status, job.attempts, job.finished_at, job.heartbeat_at = "queued", 0, None, now()
    audit.record("job.retry", job, f"Retried {KIND_LABELS.get(job.kind, job.kind).lower()} job #{job.id}",
                 before={"error": job.error})
    dispatch_after_commit(job.org_id, job.id)
