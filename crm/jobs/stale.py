"""The staleness rule. A worker killed outright (SIGKILL, a lost machine) leaves its job
"running" with nobody running it, and rq only notices many minutes later; a Redis that was
down when a job committed never got it at all. Every active job proves it is alive by its
heartbeat (set when queued, claimed, and by ``report_progress``); one silent for longer than
``JOB_STALE_SECONDS`` is sent again, or failed once it has used up its attempts."""

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from crm.clock import now
from crm.extensions import db
from crm.jobs.queue import dispatch_after_commit
from crm.models import BackgroundJob
from crm.models import Organization
from tenants.context import org_context
from tenants.context import unscoped

log = logging.getLogger("crm.jobs")


def requeue_stale_jobs(stale_after_seconds: float | None = None) -> int:
    """Send every stale job again (each organization in turn, as RLS requires); returns how many."""
    seconds = current_app.config["JOB_STALE_SECONDS"] if stale_after_seconds is None else stale_after_seconds
    cutoff = now() - timedelta(seconds=seconds)
    with unscoped():
        org_ids = db.session.scalars(sa.select(Organization.id).order_by(Organization.id)).all()
    requeued = 0
    for org_id in org_ids:
        with org_context(org_id):
            requeued += _requeue_in_current_org(cutoff)
            db.session.commit()
    return requeued


def _requeue_in_current_org(cutoff) -> int:
    stale = db.session.scalars(
        sa.select(BackgroundJob)
        .where(BackgroundJob.status.in_(("queued", "running", "retrying")), BackgroundJob.heartbeat_at < cutoff)
        .where(sa.or_(BackgroundJob.run_after.is_(None), BackgroundJob.run_after < cutoff))
        .with_for_update(skip_locked=True)
    ).all()
    for job in stale:
        job.heartbeat_at = now()
        if job.status == "running" and job.attempts >= job.max_attempts:
            job.status, job.finished_at = "failed", now()
            job.error = (f"The worker running this job stopped without finishing, {job.attempts} times "
                         "(it was killed or lost). Retry it once the workers are healthy.")
            log.error("job %s (%s) failed: its worker stopped %d times", job.id, job.kind, job.attempts)
            continue
        if job.status == "running":
            job.status = "queued"
        dispatch_after_commit(job.org_id, job.id)
        log.warning("job %s (%s) was silent since before %s: sent again", job.id, job.kind, cutoff.isoformat())
    return len(stale)
