"""Work that runs on a clock: per-organization jobs started for every organization, and the
stale-job sweep. With Redis, ``flask crm scheduler`` (rq's cron scheduler) starts them; without
it, the system's cron calls ``flask crm run-scheduled NAME``."""

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from crm.clock import now
from crm.extensions import db
from crm.jobs.queue import enqueue
from crm.jobs.queue import resolve
from crm.models import Organization
from tenants.context import unscoped

log = logging.getLogger("crm.jobs")


@dataclass(frozen=True)
class Scheduled:
    func: str
    kind: str
    cron: str
    local_hour: int | None = None  # run only for organizations whose local time is this hour


SCHEDULE: dict[str, Scheduled] = {
    "nightly-rescoring": Scheduled("crm.jobs.lead_scoring:rescore_all_leads", "lead_scoring", "0 * * * *", local_hour=2),
    "daily-digest": Scheduled("crm.jobs.email:send_daily_digest", "digest", "0 * * * *", local_hour=7),
    "abandoned-uploads": Scheduled("crm.jobs.lead_import:delete_abandoned_uploads", "lead_import", "0 * * * *",
                                   local_hour=3),
}
SWEEP_SECONDS = 60


def _local_hour(timezone_name: str | None, moment: datetime) -> int:
    try:
        return moment.astimezone(ZoneInfo(timezone_name or "UTC")).hour
    except (KeyError, ValueError):
        return moment.hour


def start_for_every_organization(name: str, ignore_hour: bool = False) -> int:
    """Queue ``name``'s job once for each organization (at its local hour); returns how many.
    Crossing organizations is the point here, so it lists them unscoped and enters each."""
    scheduled = SCHEDULE[name]
    try:
        func = resolve(scheduled.func)
    except (ImportError, AttributeError):
        log.error("scheduled job %s: %s does not exist", name, scheduled.func)
        return 0
    moment = now()
    with unscoped():
        orgs = db.session.execute(sa.select(Organization.id, Organization.timezone).order_by(Organization.id)).all()
    started = 0
    for org_id, timezone_name in orgs:
        if ignore_hour or scheduled.local_hour is None or _local_hour(timezone_name, moment) == scheduled.local_hour:
            enqueue(func, org_id, org_id, kind=scheduled.kind)
            started += 1
    db.session.commit()
    return started


def run_scheduled(name: str) -> int:
    """The cron scheduler's entry point in the worker, where there is no app context yet."""
    from crm.jobs.running import worker_app

    with worker_app().app_context():
        return start_for_every_organization(name)


def sweep_stale_jobs() -> int:
    from crm.jobs.running import worker_app
    from crm.jobs.stale import requeue_stale_jobs

    with worker_app().app_context():
        return requeue_stale_jobs()
