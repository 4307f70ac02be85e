"""The email jobs through the real Redis and an rq worker (SimpleWorker, burst mode)."""

from datetime import timedelta

from crm import clock
from crm.jobs.schedule import start_for_every_organization
from tests.email.support import MANAGER
from tests.email.support import REP
from tests.email.support import jobs
from tests.email.support import notification
from tests.email.support import notify_and_commit
from tests.email.test_digest import add_tasks


def test_the_email_waits_for_the_worker_and_goes_out_once(org_a, inbox, redis_worker):
    notification_id = notify_and_commit(org_a, REP, "assigned:worker")
    assert inbox.messages == [] and notification(org_a, notification_id)["status"] == "pending"
    redis_worker()
    assert inbox.count_by("X-CRM-Notification") == {str(notification_id): 1}
    assert notification(org_a, notification_id)["status"] == "sent"


def test_with_a_third_of_attempts_failing_the_worker_delivers_each_once(org_a, inbox, redis_worker):
    inbox.fail_every = 3
    ids = [notify_and_commit(org_a, (REP, MANAGER)[i % 2], f"assigned:worker:{i}") for i in range(9)]
    redis_worker()
    assert inbox.count_by("X-CRM-Notification") == {str(i): 1 for i in ids}
    assert {j["status"] for j in jobs(org_a, "email")} == {"succeeded"}


def test_the_digest_through_the_worker_once_per_member_per_day(org_a, inbox, redis_worker):
    add_tasks(org_a, REP, "Acme")
    start_for_every_organization("daily-digest", ignore_hour=True)
    start_for_every_organization("daily-digest", ignore_hour=True)
    redis_worker()
    assert len(inbox.to(REP)) == 1
    clock.travel(timedelta(days=1))
    start_for_every_organization("daily-digest", ignore_hour=True)
    redis_worker()
    assert len(inbox.to(REP)) == 2
