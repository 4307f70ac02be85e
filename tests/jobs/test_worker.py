"""The same jobs through the real Redis and an rq worker (SimpleWorker, burst mode)."""

import sqlalchemy as sa

from crm.extensions import db
from crm.jobs import enqueue
from crm.jobs import requeue_stale_jobs
from crm.models import BackgroundJob
from crm.models import Tag
from tenants.context import org_context
from tests.jobs import job_functions as jobs
from tests.jobs.job_functions import RAN


def _status(org, job_id) -> tuple[str, int]:
    db.session.expire_all()
    with org_context(org.id):
        job = db.session.get(BackgroundJob, job_id)
        return job.status, job.attempts


def test_a_job_waits_for_the_worker_and_runs_in_its_organization(org_a, redis_worker):
    with org_context(org_a.id):
        job_id = enqueue(jobs.record_tag, org_a.id, "via-redis", kind="test")
        db.session.commit()
    assert RAN == [] and _status(org_a, job_id) == ("queued", 0)
    redis_worker()
    assert RAN == [("record_tag", org_a.id, "via-redis")]
    assert _status(org_a, job_id) == ("succeeded", 1)
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(Tag.id).where(Tag.name == "via-redis")) is not None


def test_a_failed_attempt_is_queued_again_and_succeeds(org_a, redis_worker):
    jobs.FAILURES_LEFT["flaky-redis"] = 1
    with org_context(org_a.id):
        job_id = enqueue(jobs.flaky, org_a.id, "flaky-redis", kind="test")
        db.session.commit()
    redis_worker()
    assert [r[0] for r in RAN] == ["flaky", "flaky"]
    assert _status(org_a, job_id) == ("succeeded", 2)


def test_chunks_take_turns_with_other_organizations_jobs(org_a, org_b, redis_worker):
    with org_context(org_a.id):
        enqueue(jobs.in_chunks, org_a.id, "big", 3, kind="test")
        db.session.commit()
    with org_context(org_b.id):
        enqueue(jobs.record_tag, org_b.id, "small", kind="test")
        db.session.commit()
    redis_worker()
    assert [o for _, o, _ in RAN] == [org_a.id, org_b.id, org_a.id, org_a.id]


def test_a_job_the_worker_runs_sees_only_its_organization(org_a, org_b, redis_worker):
    for org in (org_a, org_b):
        with org_context(org.id):
            db.session.add(Tag(name=f"own-{org.slug}"))
            db.session.commit()
    with org_context(org_a.id):
        enqueue(jobs.count_every_tag, org_a.id, "x", kind="test")
        db.session.commit()
    redis_worker()
    (run,) = RAN
    assert run[1] == org_a.id
    if db.engine.dialect.name == "postgresql":
        assert run[2] == str(org_a.id)


def test_a_job_committed_while_redis_was_down_is_sent_by_the_sweep(app, org_a, redis_worker):
    url = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    with org_context(org_a.id):
        job_id = enqueue(jobs.record_tag, org_a.id, "late", kind="test")
        db.session.commit()
    assert _status(org_a, job_id) == ("queued", 0), "the request succeeded; the job waits in the database"
    app.config["REDIS_URL"] = url
    assert requeue_stale_jobs(stale_after_seconds=0) == 1
    redis_worker()
    assert _status(org_a, job_id) == ("succeeded", 1)
