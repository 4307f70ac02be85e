"""The CSV lead import as a job: one chunk per run, then back in the queue behind other
organizations' jobs until the file is done (crm.services.lead_import.processing)."""

import importlib.util

from crm.extensions import db
from crm.jobs import enqueue
from crm.jobs import report_progress
from crm.jobs import run_again
from crm.models import LeadImport
from crm.services import lead_import
from crm.services.lead_import import processing

MAX_ATTEMPTS = 5


def queue_import(imp: LeadImport) -> int:
    """Queue a started import; the caller commits (nothing runs before that)."""
    imp.job_id = enqueue(run_lead_import, imp.org_id, imp.id, kind="lead_import", user_id=imp.created_by_id,
                         max_attempts=MAX_ATTEMPTS)
    return imp.job_id


def run_lead_import(import_id: int) -> None:
    """One chunk, committed with the cursor that records it; then run again if rows are left."""
    imp = processing.run_chunk(import_id)
    if imp is None:
        return
    if imp.status == "finished":
        lead_import.announce_finished(imp)
        _rescore_after(imp)
    else:
        run_again()
    done, total = imp.rows_done, imp.total_rows
    db.session.commit()
    report_progress(done, total, f"{done:,} of {total:,} rows")


def run_lead_import_failed(import_id: int, error: str | None = None) -> None:
    """Called by the job layer when the job gives up: the import shows as failed, with its
    counts of what was written (a retry from the jobs page carries on from its cursor)."""
    imp = processing.lock(import_id)
    if imp is not None:
        lead_import.mark_failed(imp, error)


def _rescore_after(imp: LeadImport) -> None:
    """Lead scoring, when the app has it, rescores the imported leads in its own job."""
    try:
        scoring = importlib.import_module("crm.jobs.lead_scoring")
    except ImportError:
        return
    rescore = getattr(scoring, "rescore_leads_after_import", None)
    if rescore is not None and imp.created_count + imp.updated_count:
        enqueue(rescore, imp.org_id, imp.id, kind="lead_scoring", user_id=imp.created_by_id)


def delete_abandoned_uploads(org_id: int) -> None:
    """Daily, per organization (crm.jobs.schedule): uploads never started are deleted."""
    lead_import.delete_abandoned_uploads()
    db.session.commit()
