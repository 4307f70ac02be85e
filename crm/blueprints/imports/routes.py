"""Upload a CSV, check the guessed mapping, start the import, watch it, get the rejected rows.

The upload's size is refused before its body is read: the route's request limit is the
import limit (plus room for the form around the file), so a request that announces more is
answered 413 at once, before even the CSRF check parses the form.
"""

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.exceptions import RequestEntityTooLarge

from crm.blueprints.common import get_or_404
from crm.blueprints.imports import bp
from crm.extensions import db
from crm.htmx import render
from crm.jobs.lead_import import queue_import
from crm.models import BackgroundJob
from crm.models import LeadImport
from crm.models.leads import LEAD_SOURCES
from crm.permissions import require
from crm.services import ServiceError
from crm.services import lead_import
from crm.services import leads
from crm.services.export import csv_response
from crm.services.lead_import import mapping as mappings
from crm.services.lead_import import reading

FORM_OVERHEAD = 64 * 1024  # the multipart boundaries and the CSRF field around the file


def _limit() -> int:
    return current_app.config.get("LEAD_IMPORT_MAX_BYTES", reading.MAX_BYTES)


@bp.url_value_preprocessor
def _upload_limit(endpoint, values) -> None:
    if endpoint == "imports.imports_upload":
        request.max_content_length = _limit() + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    return render_template("errors/error.html", code=413, message=reading.too_large_message(_limit())), 413


def _import(import_id) -> LeadImport:
    return get_or_404(LeadImport, import_id)


def _list_page(status: int = 200, error: str | None = None):
    return render_template("imports/list.html", imports=lead_import.recent_imports(), error=error,
                           limit_mb=_limit() // (1024 * 1024)), status


@bp.get("/")
@require("leads.import")
def imports_list():
    """The upload form and the organization's recent imports."""
    return _list_page()


@bp.post("/")
@require("leads.import")
def imports_upload():
    """Read and check the file, keep it, and go on to its mapping."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _list_page(422, "Choose a CSV file to upload.")
    try:
        imp = lead_import.create_import(upload.filename, upload.stream, _limit())
    except ServiceError as error:
        db.session.rollback()
        return _list_page(error.status, error.message)
    db.session.commit()
    return redirect(url_for("imports.imports_show", import_id=imp.id))


def _mapping_page(imp: LeadImport, status: int = 200, error: ServiceError | None = None):
    values = request.form if error else {}
    chosen = mappings.from_form_loosely(values, imp.header) if error else lead_import.guessed_mapping(imp)
    return render_template("imports/mapping.html", imp=imp, preview=lead_import.preview(imp), mapping=chosen,
                           fields=mappings.FIELDS, campaigns=lead_import.campaigns(), members=leads.members(),
                           sources=[(s, leads.source_label(s)) for s in LEAD_SOURCES], values=values,
                           error=error, encoding=reading.ENCODING_LABELS.get(imp.encoding, imp.encoding),
                           delimiter=reading.DELIMITER_NAMES[imp.delimiter]), status


def _progress_context(imp: LeadImport) -> dict:
    job = db.session.get(BackgroundJob, imp.job_id) if imp.job_id else None
    return {"imp": imp, "job": job, "polling": imp.status in ("queued", "running")}


@bp.get("/<int:import_id>")
@require("leads.import")
def imports_show(import_id):
    """The mapping form of an uploaded file; then the import's progress and result."""
    imp = _import(import_id)
    if imp.status == "uploaded":
        return _mapping_page(imp)
    return render_template("imports/show.html", **_progress_context(imp))


@bp.post("/<int:import_id>/start")
@require("leads.import")
def imports_start(import_id):
    """Save the mapping and the values for every row, and queue the import."""
    imp = _import(import_id)
    try:
        lead_import.start_import(imp, request.form)
    except ServiceError as error:
        db.session.rollback()
        return _mapping_page(imp, error.status, error)
    queue_import(imp)
    db.session.commit()
    flash(f"Importing {imp.file_name}: you can leave this page, the import goes on.", "success")
    return redirect(url_for("imports.imports_show", import_id=import_id))


@bp.get("/<int:import_id>/progress")
@require("leads.import")
def imports_progress(import_id):
    """The progress section, polled by htmx every second while the import runs."""
    return render("imports/show.html", "imports/_progress.html", **_progress_context(_import(import_id)))


@bp.get("/<int:import_id>/rejected.csv")
@require("leads.import")
def imports_rejected(import_id):
    """The rows that were skipped or failed, with their row number and reason."""
    imp = _import(import_id)
    header, rows = lead_import.rejected_rows(imp)
    return csv_response(lead_import.rejected_file_name(imp), header, rows)
