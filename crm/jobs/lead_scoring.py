"""Lead scoring as jobs: the nightly pass over every lead, the leads of a finished import,
and a list of leads (crm.services.rescoring, crm.services.assignment)."""

import sqlalchemy as sa

from crm.extensions import db
from crm.jobs import current_job_id
from crm.jobs import enqueue
from crm.jobs import report_progress
from crm.jobs import run_again
from crm.models import BackgroundJob
from crm.services import assignment
from crm.services import bulk
from crm.services import rescoring
from crm.services.scoring_settings import current_rules
from tenants.context import require_org_id

BATCHES_PER_RUN = 5  # 50,000 leads, then back in the queue behind other organizations' jobs
IMPORT_CHUNK = 20_000


def _queued_at():
    job_id = current_job_id()
    if job_id is None:
        return None
    return db.session.scalar(sa.select(BackgroundJob.created_at).where(BackgroundJob.id == job_id))


def rescore_all_leads(org_id: int) -> None:
    """Nightly (crm.jobs.schedule "nightly-rescoring"), and after the rules change: every live
    lead of the organization, batch by batch, each batch committed with the pass's cursor."""
    queued_at = _queued_at()
    scored = changed = 0
    for _ in range(BATCHES_PER_RUN):
        step = rescoring.full_pass_batch(queued_at)
        db.session.commit()
        scored, changed = scored + step.scored, changed + step.changed
        report_progress(scored, None, f"{scored:,} leads scored in this run, {changed:,} changed")
        if step.finished:
            return
    run_again()


def start_rescoring_all(org_id: int, user_id: int | None) -> int:
    """Queue a full pass from the first lead (the rules changed); the caller commits."""
    rescoring.restart_full_pass()
    return enqueue(rescore_all_leads, org_id, org_id, kind="lead_scoring", user_id=user_id)


def rescore_leads_after_import(import_id: int, after_lead_id: int = 0) -> None:
    """The leads a finished import created or updated, ``IMPORT_CHUNK`` per job, each chunk
    scored and then routed by the assignment rules (leads nobody owns only). Scoring and
    assigning again are no-ops, so a retried chunk changes nothing twice."""
    lead_ids = rescoring.imported_lead_ids(import_id, after_lead_id, IMPORT_CHUNK)
    if not lead_ids:
        return
    outcome = rescoring.rescore_ids(current_rules(), lead_ids)
    assigned = assignment.assign_leads(lead_ids)
    if len(lead_ids) == IMPORT_CHUNK:  # the next chunk goes behind other organizations' jobs
        started_by = db.session.scalar(sa.select(BackgroundJob.created_by_id).where(
            BackgroundJob.id == current_job_id())) if current_job_id() else None
        enqueue(rescore_leads_after_import, require_org_id(), import_id, lead_ids[-1], kind="lead_scoring",
                user_id=started_by)
    elif after_lead_id or len(lead_ids) >= bulk.ANALYZE_AFTER_ROWS:  # the last chunk of a large import
        bulk.refresh_lead_statistics()
    db.session.commit()
    report_progress(outcome.scored, None, f"{outcome.scored:,} imported leads scored, {assigned:,} assigned")


def rescore_leads(lead_ids: list[int]) -> None:
    """These leads, scored and then routed (for callers with a short list of ids)."""
    for start in range(0, len(lead_ids), IMPORT_CHUNK):
        chunk = lead_ids[start:start + IMPORT_CHUNK]
        rescoring.rescore_ids(current_rules(), chunk)
        assignment.assign_leads(chunk)
        db.session.commit()
