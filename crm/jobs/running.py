"""One run of one job: claim it, run it inside its organization, record how it ended.

The claim is a conditional UPDATE (queued or retrying -> running), so when a job was sent
twice (a sweep re-sent it while the first copy was slow) only one copy runs it.
"""

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask import current_app

from crm.clock import now
from crm.extensions import db
from crm.jobs.queue import PermanentError
from crm.jobs.queue import dispatch_after_commit
from crm.jobs.queue import resolve
from crm.models import BackgroundJob
from tenants.context import org_context

log = logging.getLogger("crm.jobs")


@dataclass
class _Run:
    job_id: int
    org_id: int
    again: bool = False


_current: ContextVar[_Run | None] = ContextVar("crm_current_job", default=None)
_worker_app: Flask | None = None


def use_app(app: Flask) -> None:
    """The worker command names its app once; jobs then run without a request or CLI context."""
    global _worker_app
    _worker_app = app


def worker_app() -> Flask:
    return _worker_app or current_app._get_current_object()


def current_job_id() -> int | None:
    run = _current.get()
    return run.job_id if run else None


def run_again() -> None:
    """More work is left: when this run returns, queue the job again, behind the jobs that
    other organizations queued meanwhile (a big import goes chunk by chunk, round-robin)."""
    run = _current.get()
    if run is None:
        raise RuntimeError("run_again() is only for code running as a job")
    run.again = True


def report_progress(done: int, total: int | None = None, message: str | None = None) -> None:
    """Show progress (and prove the job is alive) at once, without committing the job's own work:
    on PostgreSQL through a connection of its own; SQLite has one writer, so there it rides
    along with the job's transaction (nobody polls an in-process job anyway)."""
    run = _current.get()
    if run is None:
        return
    values = {"progress_done": done, "heartbeat_at": now()}
    if total is not None:
        values["progress_total"] = total
    if message is not None:
        values["message"] = message[:300]
    table = BackgroundJob.__table__
    statement = sa.update(table).where(table.c.id == run.job_id, table.c.org_id == run.org_id).values(**values)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(statement)
        return
    with db.engine.begin() as connection:
        connection.execute(statement)


def run_background_job(org_id: int, job_id: int, app: Flask | None = None) -> None:
    """What a worker runs (and, without Redis, what ``enqueue`` runs after the commit)."""
    app = app or worker_app()
    with app.app_context(), org_context(org_id):
        try:
            claimed = _claim(job_id)
            if claimed is None:
                return
            func_path, args, user_id = claimed
            run = _Run(job_id, org_id)
            token = _current.set(run)
            try:
                with org_context(org_id, user_id):
                    resolve(func_path)(*args)
                    db.session.commit()
            except Exception as error:  # the job's own failure is recorded, never raised into the worker
                db.session.rollback()
                _record_failure(job_id, error)
            else:
                _record_success(job_id, run.again)
            finally:
                _current.reset(token)
        finally:
            db.session.remove()


def _claim(job_id: int):
    job = BackgroundJob
    row = db.session.execute(
        sa.update(job)
        .where(job.id == job_id, job.status.in_(("queued", "retrying")))
        .values(status="running", attempts=job.attempts + 1, runs=job.runs + 1, heartbeat_at=now(),
                started_at=sa.func.coalesce(job.started_at, now()), run_after=None)
        .returning(job.func, job.args, job.created_by_id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.commit()
    return tuple(row) if row else None


def _record_success(job_id: int, again: bool) -> None:
    job = db.session.get(BackgroundJob, job_id)
    job.heartbeat_at = now()
    if again:
        job.status, job.attempts = "queued", 0
        dispatch_after_commit(job.org_id, job.id)
    else:
        job.status, job.finished_at, job.error = "succeeded", now(), None
        if job.progress_total:
            job.progress_done = job.progress_total
    db.session.commit()


def _record_failure(job_id: int, error: Exception) -> None:
    job = db.session.get(BackgroundJob, job_id)
    permanent = isinstance(error, PermanentError)
    job.error = str(error) if permanent else f"{type(error).__name__}: {error}"[:4000]
    job.heartbeat_at = now()
    if permanent or job.attempts >= job.max_attempts:
        log.error("job %s (%s) failed for good after %d attempt(s): %s", job.id, job.kind, job.attempts, job.error)
        job.status, job.finished_at = "failed", now()
        _run_failure_hook(job)
    else:
        delays = current_app.config["JOB_RETRY_DELAYS"]
        delay = int(delays[min(job.attempts, len(delays)) - 1]) if delays else 0
        log.warning("job %s (%s) attempt %d failed, retrying in %d s: %s", job.id, job.kind, job.attempts, delay, job.error)
        job.status, job.run_after = "retrying", now() + timedelta(seconds=delay)
        dispatch_after_commit(job.org_id, job.id, delay)
    db.session.commit()


def _run_failure_hook(job: BackgroundJob) -> None:
    """A job function ``f`` may have an ``f_failed(*args, error=...)`` beside it, to mark its own
    record (an import, an email) failed when the job gives up."""
    try:
        hook = resolve(job.func + "_failed")
    except (ImportError, AttributeError):
        return
    try:
        with db.session.begin_nested():
            hook(*job.args, error=job.error)
    except Exception:
        log.exception("the failure hook of job %s raised", job.id)
