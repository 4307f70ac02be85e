"""A lead's qualification (budget, authority, need, timeline; the Qualify action) and its
conversion into a company, a contact and an opportunity."""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from crm.blueprints.common import get_or_404
from crm.blueprints.leads import bp
from crm.blueprints.records import after_create
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Lead
from crm.permissions import require
from crm.services import ServiceError
from crm.services import conversion
from crm.services import leads
from crm.services import qualification
from crm.services.activity import local_now
from crm.services.activity import org_timezone
from crm.services.records import active_members


def _lead(lead_id) -> Lead:
    lead = get_or_404(Lead, lead_id)
    if lead.deleted_at is not None:
        abort(404)
    return lead


def qualification_context(lead: Lead) -> dict:
    """What the qualification section shows (the converted records' names when converted)."""
    return {"missing": qualification.missing(lead), "converted": conversion.converted_records(lead)}


def _section(lead: Lead, status: int = 200, trigger: dict | None = None, **extra):
    """The qualification section, with the details beside it swapped out of band when the
    status they show has changed."""
    return render("leads/qualification.html", "leads/_qualification.html", status=status, trigger=trigger,
                  lead=lead, source_label=leads.source_label, **qualification_context(lead), **leads.overview(lead),
                  **extra)


@bp.get("/<int:lead_id>/qualification")
@require("leads.view")
def leads_qualification(lead_id):
    """The qualification fields, read-only (Cancel of their inline edit comes back here)."""
    return _section(_lead(lead_id))


@bp.get("/<int:lead_id>/qualification/edit")
@require("leads.edit")
def leads_qualification_edit(lead_id):
    """The qualification fields as a form, in place."""
    lead = _lead(lead_id)
    values = {"budget": f"{lead.budget:.2f}" if lead.budget is not None else "", "authority": lead.authority or "",
              "need": lead.need or "", "timeline": lead.timeline or ""}
    return render("leads/qualification.html", "leads/_qualification_form.html", lead=lead, values=values, errors={})


@bp.post("/<int:lead_id>/qualification")
@require("leads.edit")
def leads_qualification_update(lead_id):
    """Save the qualification fields."""
    lead = _lead(lead_id)
    try:
        qualification.update(lead, request.form)
    except ServiceError as error:
        db.session.rollback()
        return render("leads/qualification.html", "leads/_qualification_form.html", status=error.status, lead=lead,
                      values=request.form, errors={error.field or "_": error.message})
    db.session.commit()
    if not wants_fragment():
        flash("Qualification saved.", "success")
        return redirect(url_for("leads.leads_show", lead_id=lead.id), 303)
    return _section(lead, trigger={**toast("Qualification saved."), "activity-changed": True})


@bp.post("/<int:lead_id>/qualify")
@require("leads.edit")
def leads_qualify(lead_id):
    """Mark the lead qualified, once budget, authority, need and timeline are all known."""
    lead = _lead(lead_id)
    try:
        qualification.qualify(lead)
    except ServiceError as error:
        db.session.rollback()
        if not wants_fragment():
            flash(error.message, "error")
            return redirect(url_for("leads.leads_show", lead_id=lead.id), 303)
        return _section(lead, status=error.status, error=error.message)
    db.session.commit()
    if not wants_fragment():
        flash(f"{lead.full_name} is qualified.", "success")
        return redirect(url_for("leads.leads_show", lead_id=lead.id), 303)
    return _section(lead, trigger={**toast(f"{lead.full_name} is qualified."), "activity-changed": True},
                    oob_details=True)


def _convert_page(lead: Lead, status: int = 200, values=None, errors=None):
    proposal = conversion.propose(lead, local_now(org_timezone()).date())
    refused = conversion.refusal(lead)
    return render_template("leads/convert.html", lead=lead, proposal=proposal, refused=refused,
                           values=values if values is not None else proposal.values, errors=errors or {},
                           converted=conversion.converted_records(lead), members=active_members()), status


@bp.get("/<int:lead_id>/convert")
@require("leads.convert")
def leads_convert(lead_id):
    """What converting this lead will create or link, with the defaults filled in."""
    return _convert_page(_lead(lead_id))


@bp.post("/<int:lead_id>/convert")
@require("leads.convert")
def leads_convert_post(lead_id):
    """Convert: company (new or linked), contact and opportunity, in one transaction."""
    lead = _lead(lead_id)
    try:
        result = conversion.convert_lead(lead, request.form)
    except ServiceError as error:
        db.session.rollback()
        lead = _lead(lead_id)
        return _convert_page(lead, error.status, request.form, {error.field or "_": error.message})
    db.session.commit()
    flash(f"{lead.full_name} converted: {result.company.name}, {result.contact.full_name} and the opportunity "
          f"{result.opportunity.name}.", "success")
    return after_create("leads.leads_show", lead_id=lead.id)


@bp.app_template_global()
def opportunity_url(opportunity_id: int) -> str:
    """The deal's page (the list until the opportunities pages have one)."""
    if "opportunities.opportunities_show" in current_app.view_functions:
        return url_for("opportunities.opportunities_show", opportunity_id=opportunity_id)
    return url_for("opportunities.opportunities_list")
