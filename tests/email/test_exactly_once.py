"""Each notification's email is delivered exactly once: with a third of the SMTP attempts
failing, with succeeded jobs run a second time, and with two copies of a job running at once."""

import asyncio
import threading
import time

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.jobs.email import send_notification_email
from crm.jobs.running import run_background_job
from crm.models import BackgroundJob
from crm.models import Notification
from tenants.context import org_context
from tests.conftest import ON_POSTGRES
from tests.email.support import MANAGER
from tests.email.support import REP
from tests.email.support import jobs
from tests.email.support import notification
from tests.email.support import notify_and_commit
from tests.email.support import user_id
from tests.helpers import tenant


def test_a_third_of_attempts_failing_and_jobs_run_twice_deliver_each_once(app, org_a, inbox):
    inbox.fail_every = 3
    ids = [notify_and_commit(org_a, (REP, MANAGER)[i % 2], f"assigned:burst:{i}") for i in range(12)]
    assert inbox.data_calls > 12, "some attempts failed and were retried"
    email_jobs = jobs(org_a, "email")
    assert len(email_jobs) == 12 and {j["status"] for j in email_jobs} == {"succeeded"}
    assert max(j["attempts"] for j in email_jobs) == 2

    # A sweep re-sends some finished jobs (as after a worker that died before reporting), and
    # someone runs the job function itself again.
    for job in email_jobs[::3]:
        with tenant(org_a) as s:
            s.get(BackgroundJob, job["id"]).status = "queued"
            s.commit()
        run_background_job(org_a.id, job["id"], app=app)
    with org_context(org_a.id):
        for notification_id in ids[:4]:
            send_notification_email(notification_id)
        db.session.commit()

    assert inbox.count_by("X-CRM-Notification") == {str(i): 1 for i in ids}
    assert len(set(inbox.count_by("Message-ID"))) == 12
    assert {notification(org_a, i)["status"] for i in ids} == {"sent"}


@pytest.mark.postgres
def test_two_copies_of_the_job_at_once_send_one_email(app, org_a, inbox, database):
    """The first copy holds the row lock while its message is on the wire; the second waits
    for that lock and then finds the notification sent."""
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: SQLite has no row locks")
    with tenant(org_a) as s:
        row = Notification(user_id=user_id(REP), kind="assigned", message="Twice?", dedupe_key="assigned:twice",
                           email_status="pending")
        s.add(row)
        s.commit()
        notification_id = row.id
    release = threading.Event()
    original = inbox.handle_DATA

    async def slow_data(server, session, envelope):
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 30)
        return await original(server, session, envelope)

    inbox.handle_DATA = slow_data
    errors, org_id = [], org_a.id

    def copy():
        try:
            with app.app_context(), org_context(org_id):
                send_notification_email(notification_id)
                db.session.commit()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=copy) for _ in range(2)]
    for thread in threads:
        thread.start()
    owner = sa.create_engine(database["owner_url"])
    try:
        deadline = time.monotonic() + 10
        with owner.connect() as conn:
            while time.monotonic() < deadline and not conn.scalar(sa.text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted")):
                time.sleep(0.02)
    finally:
        owner.dispose()
        release.set()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert inbox.count_by("X-CRM-Notification") == {str(notification_id): 1}
    assert notification(org_a, notification_id)["status"] == "sent"
