"""Starting jobs: a row in the database first, the work handed to Redis (or run in-process)
only once that row has committed, so a rolled-back request starts nothing and a worker never
looks for a job it cannot see yet."""

import importlib
import json
import logging
from collections import deque
from contextvars import ContextVar
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask import current_app

from crm.clock import now
from crm.extensions import db
from crm.models import BackgroundJob
from tenants.context import org_context

log = logging.getLogger("crm.jobs")

QUEUE_NAME = "default"
_PENDING = "crm_jobs_to_dispatch"
_draining: ContextVar[deque | None] = ContextVar("crm_jobs_draining", default=None)


class PermanentError(Exception):
    """The job cannot succeed by trying again (bad input, a refused address); its message is
    shown to the organization as the job's error, so it should say what to fix."""


def function_path(func) -> str:
    path = f"{func.__module__}:{func.__qualname__}"
    try:
        found = resolve(path)
    except (ImportError, AttributeError):
        found = None
    if found is not func:
        raise ValueError(f"{path} is not a module-level function: a worker could not find it")
    return path


def resolve(path: str):
    module, _, name = path.partition(":")
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def enqueue(func, org_id: int, *args, kind: str, user_id: int | None = None, max_attempts: int = 3) -> int:
    """Record a job for ``org_id`` in the current session and return its id; it is handed to a
    worker when that session commits (call ``db.session.commit()``)."""
    json.dumps(args)  # a job takes ids and strings; anything else would not survive Redis or a retry
    job = BackgroundJob(kind=kind, func=function_path(func), args=list(args), created_by_id=user_id,
                        max_attempts=max_attempts, heartbeat_at=now())
    with org_context(org_id, user_id):
        db.session.add(job)
        db.session.flush()
    dispatch_after_commit(org_id, job.id)
    return job.id


def dispatch_after_commit(org_id: int, job_id: int, delay: int = 0) -> None:
    db.session().info.setdefault(_PENDING, []).append((org_id, job_id, delay))


def _after_commit(session) -> None:
    # SQLAlchemy fires this when a SAVEPOINT is released too (begin_nested); the jobs wait for
    # the outermost commit, or a worker would look for rows not committed yet.
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        dispatch(pending)


def _after_rollback(session) -> None:
    if session.in_nested_transaction():  # only a SAVEPOINT rolled back: the jobs queued before it stand
        return
    session.info.pop(_PENDING, None)


def redis_connection(app: Flask):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    cached = app.extensions.get("crm_redis")
    if cached is None or cached[0] != url:
        from redis import Redis

        cached = (url, Redis.from_url(url))
        app.extensions["crm_redis"] = cached
    return cached[1]


def rq_queue(app: Flask):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_connection(app))


def dispatch(items: list[tuple[int, int, int]]) -> None:
    """Hand committed jobs to Redis, or run them here when there is no Redis. A Redis that is
    down loses nothing: the rows stay queued and ``requeue_stale_jobs`` sends them again."""
    from crm.jobs.running import run_background_job

    app = current_app._get_current_object()
    if redis_connection(app) is None:
        _run_in_process(app, items)
        return
    from redis.exceptions import RedisError

    try:
        queue = rq_queue(app)
        timeout = app.config["JOB_TIMEOUT_SECONDS"]
        for org_id, job_id, delay in items:
            if delay:
                queue.enqueue_in(timedelta(seconds=delay), run_background_job, org_id, job_id,
                                 job_timeout=timeout, result_ttl=0, failure_ttl=86400)
            else:
                queue.enqueue(run_background_job, org_id, job_id, job_timeout=timeout, result_ttl=0, failure_ttl=86400)
    except RedisError:
        log.exception("Redis refused %d job(s); they stay queued until the stale-job sweep sends them again", len(items))


def _run_in_process(app: Flask, items) -> None:
    """Without Redis, jobs run right here, one after another: a job that enqueues more work
    (its next chunk, a notification) adds to the line instead of nesting inside itself."""
    from crm.jobs.running import run_background_job

    line = _draining.get()
    if line is not None:
        line.extend(items)
        return
    line = deque(items)
    token = _draining.set(line)
    try:
        while line:
            org_id, job_id, _delay = line.popleft()
            run_background_job(org_id, job_id, app=app)
    finally:
        _draining.reset(token)


def init_jobs(app: Flask) -> None:
    app.config.setdefault("JOB_TIMEOUT_SECONDS", 900)
    app.config.setdefault("JOB_STALE_SECONDS", 300)
    app.config.setdefault("JOB_RETRY_DELAYS", (10, 60, 300))
    if not sa.event.contains(db.session, "after_commit", _after_commit):
        sa.event.listen(db.session, "after_commit", _after_commit)
        sa.event.listen(db.session, "after_rollback", _after_rollback)
