"""Jobs queued in a transaction start after its outermost commit, whatever savepoints came
between (SQLAlchemy reports a released SAVEPOINT as a commit)."""

import sqlalchemy as sa

from crm.extensions import db
from crm.jobs import enqueue
from crm.models import BackgroundJob
from crm.models import Tag
from tenants.context import org_context
from tests.jobs import job_functions


def _statuses(org) -> list[str]:
    with org_context(org.id):
        return db.session.scalars(sa.select(BackgroundJob.status).order_by(BackgroundJob.id)).all()


def test_a_savepoint_released_after_enqueue_does_not_start_the_job(app, org_a):
    with org_context(org_a.id):
        enqueue(job_functions.record_tag, org_a.id, "after-savepoint", kind="test")
        with db.session.begin_nested():
            db.session.add(Tag(name="inside-savepoint"))
        assert _statuses(org_a) == ["queued"]
        db.session.commit()
    assert _statuses(org_a) == ["succeeded"]


def test_a_savepoint_rolled_back_keeps_the_jobs_queued_before_it(app, org_a):
    with org_context(org_a.id):
        enqueue(job_functions.record_tag, org_a.id, "kept", kind="test")
        savepoint = db.session.begin_nested()
        db.session.add(Tag(name="undone"))
        savepoint.rollback()
        db.session.commit()
    assert _statuses(org_a) == ["succeeded"]
