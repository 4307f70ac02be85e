"""Background work (DESIGN.md, "Background jobs").

``enqueue`` is the only way to start a job. A job function is a plain module-level function
taking JSON-able ids; it runs in its organization's tenant context, in a session of its own,
and commits its own work. What it may call while it runs: ``report_progress`` (also the
heartbeat), ``run_again`` (more work left: run me again, behind everyone else's jobs) and
``PermanentError`` (fail now, no retry). Everything else that raises is retried with backoff.
"""

from crm.jobs.queue import PermanentError
from crm.jobs.queue import enqueue
from crm.jobs.queue import init_jobs
from crm.jobs.running import current_job_id
from crm.jobs.running import report_progress
from crm.jobs.running import run_again
from crm.jobs.stale import requeue_stale_jobs

__all__ = ["PermanentError", "current_job_id", "enqueue", "init_jobs", "report_progress", "requeue_stale_jobs",
           "run_again"]
