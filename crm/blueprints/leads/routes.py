from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from crm.blueprints.common import get_or_404
from crm.blueprints.leads.conversion import qualification_context
from crm.blueprints.leads import bp
from crm.blueprints.records import RecordKind
from crm.blueprints.records import after_create
from crm.blueprints.records import bulk_action
from crm.blueprints.records import bulk_restore
from crm.blueprints.records import delete_record
from crm.blueprints.records import export_csv
from crm.blueprints.records import list_page
from crm.blueprints.records import restore_record
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Lead
from crm.models.leads import LEAD_SOURCES
from crm.models.people import SIZE_BANDS
from crm.models.leads import lead_name
from crm.permissions import can
from crm.permissions import require
from crm.services import ServiceError
from crm.services import leads

LEADS = RecordKind("leads", "lead", leads, assign_permission="leads.assign")


def _choices() -> dict:
    return {"statuses": leads.SETTABLE_STATUSES, "sources": [(s, leads.source_label(s)) for s in LEAD_SOURCES],
            "size_bands": SIZE_BANDS,
            "members": leads.members(), "can_assign": can("leads.assign")}


def _lead(lead_id) -> Lead:
    lead = get_or_404(Lead, lead_id)
    if lead.deleted_at is not None:
        abort(404)
    return lead


def _confirmed() -> bool:
    return request.form.get("confirm_duplicate") == "1"


def _form_errors(error: ServiceError) -> dict:
    """What a form template shows for a refusal: a message by field, and duplicates if any."""
    duplicates = error.duplicates if isinstance(error, leads.DuplicateFound) else None
    return {"errors": {} if duplicates else {error.field or "_": error.message}, "duplicates": duplicates}


def _list_context():
    state = leads.parse_list_state(request.args)
    page = leads.list_page(state)
    # Members and tags are asked for by the page's filters and bulk actions only (the search
    # fragment has neither), once per request.
    return dict(state=state, page=page, tags=leads.tags_by_lead([lead.id for lead in page.rows]), spec=leads.LIST,
                members=leads.members, all_tags=leads.all_tags, source_label=leads.source_label,
                lead_name=lead_name)


@bp.get("/")
@require("leads.view")
def leads_list():
    """Leads, searched, filtered, sorted and paged by the URL."""
    return list_page(LEADS, _list_context())


@bp.get("/export.csv")
@require("leads.view")
def leads_export():
    """Every lead the current filter shows, as CSV."""
    return export_csv(LEADS, leads.parse_list_state(request.args))


@bp.get("/new")
@require("leads.edit")
def leads_new():
    """The form for a new lead."""
    values = {"status": "new", "owner_id": current_user.id}
    return render_template("leads/new.html", values=values, errors={}, duplicates=None, **_choices())


@bp.post("/")
@require("leads.edit")
def leads_create():
    """Create a lead and open it; a likely duplicate is shown first and needs a confirmation."""
    try:
        lead = leads.create_lead(request.form, can_assign=can("leads.assign"), confirmed=_confirmed())
    except ServiceError as error:
        db.session.rollback()
        return render("leads/new.html", "leads/_new_form.html", status=error.status, values=request.form,
                      **_form_errors(error), **_choices())
    db.session.commit()
    flash(f"Lead {lead.full_name} created.", "success")
    return after_create("leads.leads_show", lead_id=lead.id)


@bp.get("/<int:lead_id>")
@require("leads.view")
def leads_show(lead_id):
    """Everything about a lead: its fields, tags, interactions, notes, tasks and timeline."""
    lead = get_or_404(Lead, lead_id)
    if lead.deleted_at is not None:
        if lead.merged_into_id is not None:
            kept = db.session.get(Lead, lead.merged_into_id)
            if kept is not None and kept.deleted_at is None:
                flash(f"{lead.full_name} was merged into this lead.", "success")
                return redirect(url_for("leads.leads_show", lead_id=kept.id), 303)
        abort(404)
    from crm.services.activity import panel_context

    return render_template("leads/show.html", lead=lead, record=lead, kind="lead",
                           panel=panel_context("lead", lead), source_label=leads.source_label, **leads.overview(lead),
                           **qualification_context(lead))


@bp.get("/<int:lead_id>/details")
@require("leads.view")
def leads_details(lead_id):
    """The lead's fields, read-only (Cancel of the inline edit comes back here)."""
    lead = _lead(lead_id)
    return render_template("leads/_details.html", lead=lead, source_label=leads.source_label, **leads.overview(lead))


@bp.get("/<int:lead_id>/edit")
@require("leads.edit")
def leads_edit(lead_id):
    """The lead's fields as a form, swapped in place of the details."""
    lead = _lead(lead_id)
    values = {f: getattr(lead, f) or "" for f in leads.FIELDS}
    return render("leads/edit.html", "leads/_edit.html", lead=lead, values=values, errors={}, duplicates=None,
                  **_choices())


@bp.post("/<int:lead_id>")
@require("leads.edit")
def leads_update(lead_id):
    """Save the inline edit."""
    lead = _lead(lead_id)
    try:
        leads.update_lead(lead, request.form, can_assign=can("leads.assign"), confirmed=_confirmed())
    except ServiceError as error:
        db.session.rollback()
        return render("leads/edit.html", "leads/_edit.html", status=error.status, lead=lead, values=request.form,
                      **_form_errors(error), **_choices())
    db.session.commit()
    if not wants_fragment():
        flash("Lead saved.", "success")
        return redirect(url_for("leads.leads_show", lead_id=lead.id), 303)
    return render("leads/show.html", "leads/_details.html", trigger=toast("Lead saved."), lead=lead,
                  source_label=leads.source_label, **leads.overview(lead), oob_qualification=True,
                  **qualification_context(lead))


@bp.post("/<int:lead_id>/delete")
@require("leads.delete")
def leads_delete(lead_id):
    """Delete (softly): Undo brings it back."""
    lead = _lead(lead_id)
    return delete_record(LEADS, leads.delete_lead, lead, lead.full_name)


@bp.post("/<int:lead_id>/restore")
@require("leads.delete")
def leads_restore(lead_id):
    """Undo a delete."""
    lead = get_or_404(Lead, lead_id)
    return restore_record(LEADS, leads.restore_lead, lead, lead.full_name)


@bp.post("/bulk")
@require("leads.edit")
def leads_bulk():
    """Assign an owner (with leads.assign), add a tag, or delete the ticked leads."""
    return bulk_action(LEADS)


@bp.post("/bulk-restore")
@require("leads.delete")
def leads_bulk_restore():
    """Undo a bulk delete."""
    return bulk_restore(LEADS)


def _merge_page(lead: Lead, status: int = 200, error: str | None = None):
    """Pick the other lead (by search, id or a suggested duplicate), then confirm which stays."""
    q = (request.values.get("q") or "").strip()[:100]
    other_value = (request.values.get("other_id") or "").strip()
    other, notice = None, None
    if other_value:
        if not other_value.isdigit() or len(other_value) > 18:
            notice = "Pick the other lead from the list."
        else:
            other = get_or_404(Lead, int(other_value))
            if other.deleted_at is not None:
                other, notice = None, "That lead has been deleted; pick another one."
            elif other.id == lead.id:
                other, notice = None, "A lead cannot be merged with itself. Pick another lead."
    suggestions = leads.duplicates_of(lead)
    context = dict(lead=lead, other=other, q=q, notice=notice, error=error, candidates=leads.merge_candidates(lead, q),
                   suggestions=suggestions.leads, keep=request.values.get("keep", "this"),
                   preview_this=leads.merge_preview(lead, other) if other else {},
                   preview_other=leads.merge_preview(other, lead) if other else {},
                   source_label=leads.source_label)
    return render("leads/merge.html", "leads/_merge.html", status=status, **context)


@bp.get("/<int:lead_id>/merge")
@require("leads.delete")
def leads_merge(lead_id):
    """Merge this lead with a duplicate."""
    return _merge_page(_lead(lead_id))


@bp.post("/<int:lead_id>/merge")
@require("leads.delete")
def leads_merge_post(lead_id):
    """Merge: everything of one lead moves to the other, which stays; the first is retired."""
    lead = _lead(lead_id)
    other_value = (request.form.get("other_id") or "").strip()
    if not other_value.isdigit() or len(other_value) > 18:
        return _merge_page(lead, 422, "Pick the other lead from the list.")
    other = get_or_404(Lead, int(other_value))
    keep, retire = (other, lead) if request.form.get("keep") == "other" else (lead, other)
    try:
        result = leads.merge_leads(keep, retire)
    except ServiceError as error:
        db.session.rollback()
        return _merge_page(lead, 422, error.message)
    db.session.commit()
    moved = result["moved"]
    flash(f"Merged {retire.full_name} into {keep.full_name}: {moved['interactions']} interactions, {moved['notes']} "
          f"notes, {moved['tasks']} tasks and {moved['tags']} tags moved.", "success")
    return after_create("leads.leads_show", lead_id=keep.id)
