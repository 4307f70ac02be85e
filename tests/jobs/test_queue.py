"""The queue layer without Redis (jobs run in-process after the commit), and the staleness rule."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.jobs import enqueue
from crm.jobs import requeue_stale_jobs
from crm.models import BackgroundJob
from crm.models import Tag
from tenants.context import org_context
from tests.jobs import job_functions as jobs
from tests.jobs.job_functions import RAN


def _job(org, job_id) -> BackgroundJob:
    db.session.expire_all()
    with org_context(org.id):
        return db.session.get(BackgroundJob, job_id)


def _tags(org) -> set[str]:
    with org_context(org.id):
        return set(db.session.scalars(sa.select(Tag.name)))


def _start(org, func, *args, **options) -> int:
    with org_context(org.id):
        job_id = enqueue(func, org.id, *args, kind="test", **options)
        db.session.commit()
    return job_id


def test_a_job_runs_after_the_commit_in_its_organization(org_a, org_b):
    with org_context(org_a.id):
        job_id = enqueue(jobs.record_tag, org_a.id, "from-job", kind="test")
        assert RAN == [], "nothing runs before the commit"
        db.session.commit()
    assert RAN == [("record_tag", org_a.id, "from-job")]
    job = _job(org_a, job_id)
    assert (job.status, job.attempts, job.error) == ("succeeded", 1, None)
    assert job.finished_at is not None
    assert "from-job" in _tags(org_a) and "from-job" not in _tags(org_b)


def test_a_rolled_back_enqueue_starts_nothing(org_a):
    with org_context(org_a.id):
        enqueue(jobs.record_tag, org_a.id, "never", kind="test")
        db.session.rollback()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 0
    assert RAN == []


def test_only_module_level_functions_with_plain_arguments_can_be_queued(org_a):
    with org_context(org_a.id):
        with pytest.raises(ValueError):
            enqueue(lambda: None, org_a.id, kind="test")
        with pytest.raises(TypeError):
            enqueue(jobs.record_tag, org_a.id, object(), kind="test")
        db.session.rollback()


def test_a_transient_failure_is_retried_and_its_work_is_not_doubled(org_a):
    jobs.FAILURES_LEFT["flaky"] = 2
    job_id = _start(org_a, jobs.flaky, "flaky")
    assert [r[0] for r in RAN] == ["flaky", "flaky", "flaky"]
    job = _job(org_a, job_id)
    assert (job.status, job.attempts, job.error) == ("succeeded", 3, None)
    assert _tags(org_a) >= {"flaky"}, "the failed attempts' writes were rolled back, the last one kept"


def test_a_job_that_keeps_failing_stops_at_its_last_attempt_with_its_error(org_a):
    job_id = _start(org_a, jobs.always_fails, "doomed", max_attempts=3)
    assert len(RAN) == 3
    job = _job(org_a, job_id)
    assert job.status == "failed" and job.attempts == 3
    assert job.error == "RuntimeError: the disk is full"
    assert "doomed" not in _tags(org_a), "no attempt's partial work survived"
    assert "gave-up-doomed" in _tags(org_a), "the job's failure hook marked its own record"


def test_a_permanent_error_fails_at_once_with_the_message_for_the_user(org_a):
    job_id = _start(org_a, jobs.refuses, "empty.csv")
    assert len(RAN) == 1
    job = _job(org_a, job_id)
    assert job.status == "failed" and job.attempts == 1
    assert job.error == "The file has no rows: upload a CSV with a header row and at least one lead."


def test_a_big_job_goes_chunk_by_chunk_behind_other_organizations_jobs(org_a, org_b):
    """Round-robin: B's small job, queued after A's big one, runs after A's first chunk, not its last."""
    with org_context(org_a.id):
        big = enqueue(jobs.in_chunks, org_a.id, "big", 3, kind="test")
    with org_context(org_b.id):
        enqueue(jobs.record_tag, org_b.id, "small", kind="test")
    db.session.commit()
    assert [(f, o) for f, o, _ in RAN] == [("in_chunks", org_a.id), ("record_tag", org_b.id),
                                           ("in_chunks", org_a.id), ("in_chunks", org_a.id)]
    job = _job(org_a, big)
    assert (job.status, job.runs, job.progress_done, job.progress_total) == ("succeeded", 3, 3, 3)
    assert job.message == "chunk 3 of 3"
    assert {"big-1", "big-2", "big-3"} <= _tags(org_a)


def test_a_job_sees_only_its_own_organization(org_a, org_b):
    for org in (org_a, org_b):
        with org_context(org.id):
            db.session.add(Tag(name=f"own-{org.slug}"))
            db.session.commit()
    _start(org_b, jobs.count_every_tag, "x")
    (run,) = RAN
    if db.engine.dialect.name == "postgresql":
        assert run == ("count_every_tag", org_b.id, str(org_b.id)), "RLS hid A's rows from B's job"
    else:
        assert run[1] == org_b.id


def _silence(org, job_id, status: str, attempts: int) -> None:
    with org_context(org.id):
        job = db.session.get(BackgroundJob, job_id)
        job.status, job.attempts, job.heartbeat_at = status, attempts, clock.now() - timedelta(minutes=10)
        db.session.commit()


def test_a_job_whose_worker_died_is_sent_again_and_finishes(org_a):
    job_id = _start(org_a, jobs.record_tag, "survivor")
    _silence(org_a, job_id, "running", 1)  # as a SIGKILLed worker leaves it
    RAN.clear()
    assert requeue_stale_jobs() == 1
    assert [r[0] for r in RAN] == ["record_tag"]
    assert _job(org_a, job_id).status == "succeeded"


def test_a_recent_heartbeat_is_left_alone(org_a):
    job_id = _start(org_a, jobs.record_tag, "busy")
    with org_context(org_a.id):
        db.session.get(BackgroundJob, job_id).status = "running"
        db.session.commit()
    assert requeue_stale_jobs() == 0
    assert _job(org_a, job_id).status == "running"


def test_a_job_whose_worker_died_on_every_attempt_fails_with_an_explanation(org_a):
    job_id = _start(org_a, jobs.record_tag, "cursed")
    _silence(org_a, job_id, "running", 3)
    requeue_stale_jobs()
    job = _job(org_a, job_id)
    assert job.status == "failed"
    assert "stopped without finishing, 3 times" in job.error
