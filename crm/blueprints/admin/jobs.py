"""Background jobs in the admin console: what ran, what failed and why, and a retry."""

from flask import request

from crm.blueprints.admin import bp
from crm.blueprints.common import get_or_404
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.models import BackgroundJob
from crm.permissions import require
from crm.services import ServiceError
from crm.services import background_jobs


def _jobs_page(status: int = 200, trigger: dict | None = None):
    chosen = request.values.get("status", "")
    chosen = chosen if chosen in background_jobs.STATUS_FILTERS else ""
    jobs = background_jobs.recent_jobs(chosen)
    return render("admin/jobs.html", "admin/_jobs.html", status=status, trigger=trigger, jobs=jobs, chosen=chosen,
                  filters=background_jobs.STATUS_FILTERS, labels=background_jobs.KIND_LABELS,
                  polling=any(not job.finished for job, _ in jobs))


@bp.get("/jobs")
@require("admin.jobs")
def jobs_list():
    """The newest jobs; the list refreshes itself while any of them is still running."""
    return _jobs_page()


@bp.post("/jobs/<int:job_id>/retry")
@require("admin.jobs")
def job_retry(job_id: int):
    """Queue a failed job again."""
    job = get_or_404(BackgroundJob, job_id)
    try:
        background_jobs.retry_job(job)
    except ServiceError as error:
        return _jobs_page(status=409, trigger=toast(error.message, "error"))
    db.session.commit()
    return _jobs_page(trigger=toast(f"Job #{job_id} was queued again."))
