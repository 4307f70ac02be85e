"""Opportunities as records: the list, the new form, the record page, inline edit, delete and Undo.

Stage moves (the stage menu, drag and drop on the board) are in ``board.py`` and
``crm.services.stage_moves``. The record page includes three slots other modules fill:
``opportunities/_stage_menu.html``, ``opportunities/_history.html`` and
``opportunities/_line_items.html``; their context is ``opportunity``, ``stages`` (the
organization's, in order), ``stage`` (the deal's), ``history`` (stage_moves.history_for) and
``line_items`` (the deal's items, in order).
"""

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from crm import clock
from crm.blueprints.common import get_or_404
from crm.blueprints.opportunities import bp
from crm.blueprints.records import RecordKind
from crm.blueprints.records import after_create
from crm.blueprints.records import delete_record
from crm.blueprints.records import export_csv
from crm.blueprints.records import list_page
from crm.blueprints.records import restore_record
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Contact
from crm.models import Opportunity
from crm.models import OpportunityLineItem
from crm.models.leads import LEAD_SOURCES
from crm.permissions import require
from crm.services import ServiceError
from crm.services import contacts as contact_service
from crm.services import opportunities
from tenants.web import current_org

OPPORTUNITIES = RecordKind("opportunities", "opportunity", opportunities, assign_permission="opportunities.edit")


@bp.app_template_filter("money")
def money(amount) -> str:
    """An amount in the organization's currency: "USD 1,200.50"."""
    org = current_org()
    return opportunities.format_money(amount, org.currency if org else "")


def _opportunity(opportunity_id) -> Opportunity:
    opportunity = get_or_404(Opportunity, opportunity_id)
    if opportunity.deleted_at is not None:
        abort(404)
    return opportunity


def _today():
    return clock.now().astimezone(opportunities.org_timezone()).date()


def _contact_choices(company_id, selected=None) -> list[tuple[int, str]]:
    """The chosen company's contacts for the contact picker, and the deal's current contact
    even when it has no company (saving the form untouched must not drop it). One query."""
    company_id, selected = opportunities.parse_id(company_id), opportunities.parse_id(selected)
    wanted = [Contact.company_id == company_id] if company_id else []
    if selected:
        wanted.append(Contact.id == selected)
    if not wanted:
        return []
    rows = db.session.execute(sa.select(Contact.id, Contact.first_name, Contact.last_name, Contact.email)
                              .where(sa.or_(*wanted), Contact.deleted_at.is_(None))
                              .order_by(Contact.last_name, Contact.first_name, Contact.id).limit(200)).all()
    return [(r.id, " ".join(p for p in (r.first_name, r.last_name) if p) or r.email or "(no name)") for r in rows]


def _form_context(values, opportunity: Opportunity | None = None) -> dict:
    company_id = values.get("company_id") or ""
    return {"stages": opportunities.stages(), "members": opportunities.members(),
            "sources": [(s, opportunities.source_label(s)) for s in LEAD_SOURCES],
            "companies": contact_service.company_choices("", selected=company_id, limit=50),
            "contacts": _contact_choices(company_id, values.get("contact_id")),
            "value_locked": opportunity is not None and opportunities.has_line_items(opportunity)}


def _values_of(opportunity: Opportunity) -> dict:
    values = {f: getattr(opportunity, f) for f in opportunities.FIELDS}
    values["probability"] = "" if opportunity.probability is None else str(opportunity.probability)
    values["expected_close_on"] = opportunity.expected_close_on.isoformat() if opportunity.expected_close_on else ""
    values["value"] = f"{opportunity.value:.2f}"
    return {k: "" if v is None else v for k, v in values.items()}


def _errors(error: ServiceError) -> dict:
    return {error.field or "_": error.message}


def _details_context(opportunity: Opportunity) -> dict:
    """What the details section shows: the deal with its stage, company, contact, owner, lead."""
    context = opportunities.overview(opportunity)
    stage = context["stage"]
    context.update(opportunity=opportunity, today=_today(), tz=opportunities.org_timezone(),
                   probability=opportunities.effective_probability(opportunity, stage),
                   weighted=opportunities.weighted_value(opportunity, stage),
                   days=opportunities.days_in_pipeline(opportunity, _today()),
                   source_label=opportunities.source_label)
    return context


# The list

def _list_context() -> dict:
    state = opportunities.parse_list_state(request.args)
    page = opportunities.list_page(state)
    return dict(state=state, page=page, spec=opportunities.LIST, row_probability=opportunities.row_probability,
                row_weighted=opportunities.row_weighted)


@bp.get("/")
@require("opportunities.view")
def opportunities_list():
    """Opportunities, searched, filtered (stage, status, owner, source, closing dates), sorted and paged by the URL."""
    return list_page(OPPORTUNITIES, _list_context())


@bp.get("/export.csv")
@require("opportunities.view")
def opportunities_export():
    """Every opportunity the current filter shows, as CSV."""
    return export_csv(OPPORTUNITIES, opportunities.parse_list_state(request.args))


# Creating

@bp.get("/new")
@require("opportunities.edit")
def opportunities_new():
    """The form for a new opportunity (from a company or contact page: that one already chosen)."""
    values = {"owner_id": current_user.id, "company_id": request.args.get("company_id", "")[:20],
              "contact_id": request.args.get("contact_id", "")[:20]}
    contact_id = opportunities.parse_id(values["contact_id"])
    if contact_id and not opportunities.parse_id(values["company_id"]):
        contact = db.session.get(Contact, contact_id)
        values["company_id"] = contact.company_id if contact and contact.company_id else ""
    return render_template("opportunities/new.html", values=values, errors={}, **_form_context(values))


@bp.post("/new")
@require("opportunities.edit")
def opportunities_create():
    """Create an opportunity and open it."""
    try:
        opportunity = opportunities.create_opportunity(request.form)
    except ServiceError as error:
        db.session.rollback()
        return render("opportunities/new.html", "opportunities/_new_form.html", status=error.status,
                      values=request.form, errors=_errors(error), **_form_context(request.form))
    db.session.commit()
    flash(f"Opportunity {opportunity.name} created.", "success")
    return after_create("opportunities.opportunities_show", opportunity_id=opportunity.id)


@bp.get("/contact-options")
@require("opportunities.edit")
def opportunities_contact_options():
    """The contact picker's options: the contacts of the company just chosen."""
    return render_template("opportunities/_contact_options.html", contacts=_contact_choices(request.args.get("company_id")),
                           selected=opportunities.parse_id(request.args.get("contact_id")) or "")


# The record page

@bp.get("/<int:opportunity_id>")
@require("opportunities.view")
def opportunities_show(opportunity_id):
    """Everything about a deal: its fields and figures, stage menu, line items, stage history and activity."""
    opportunity = _opportunity(opportunity_id)
    from crm.services.activity import panel_context
    from crm.services.stage_moves import history_for

    line_items = db.session.scalars(sa.select(OpportunityLineItem)
                                    .where(OpportunityLineItem.opportunity_id == opportunity.id)
                                    .order_by(OpportunityLineItem.position, OpportunityLineItem.id)).all()
    return render_template("opportunities/show.html", record=opportunity, kind="opportunity",
                           panel=panel_context("opportunity", opportunity), stages=opportunities.stages(),
                           history=history_for(opportunity), line_items=line_items,
                           products=_line_item_products(),
                           **_details_context(opportunity))


def _line_item_products() -> list:
    """The active catalogue for the line item form (only for those who may add lines)."""
    from crm.permissions import can
    from crm.services.products import active_products

    return active_products() if can("opportunities.edit") else []


@bp.get("/<int:opportunity_id>/details")
@require("opportunities.view")
def opportunities_details(opportunity_id):
    """The deal's fields, read-only (Cancel of the inline edit comes back here)."""
    opportunity = _opportunity(opportunity_id)
    return render_template("opportunities/_details.html", **_details_context(opportunity))


@bp.get("/<int:opportunity_id>/edit")
@require("opportunities.edit")
def opportunities_edit(opportunity_id):
    """The deal's fields as a form, swapped in place of the details."""
    opportunity = _opportunity(opportunity_id)
    values = _values_of(opportunity)
    return render("opportunities/edit.html", "opportunities/_edit.html", opportunity=opportunity, values=values,
                  errors={}, **_form_context(values, opportunity))


@bp.post("/<int:opportunity_id>")
@require("opportunities.edit")
def opportunities_update(opportunity_id):
    """Save the inline edit (the stage is moved with the stage menu, not here)."""
    opportunity = _opportunity(opportunity_id)
    try:
        opportunities.update_opportunity(opportunity, request.form)
    except ServiceError as error:
        db.session.rollback()
        opportunity = _opportunity(opportunity_id)
        return render("opportunities/edit.html", "opportunities/_edit.html", status=error.status,
                      opportunity=opportunity, values=request.form, errors=_errors(error),
                      **_form_context(request.form, opportunity))
    db.session.commit()
    if not wants_fragment():
        flash("Opportunity saved.", "success")
        return redirect(url_for("opportunities.opportunities_show", opportunity_id=opportunity.id), 303)
    return render("opportunities/show.html", "opportunities/_details.html",
                  trigger={**toast("Opportunity saved."), "activity-changed": True, "opportunity-changed": True},
                  **_details_context(opportunity))


@bp.post("/<int:opportunity_id>/delete")
@require("opportunities.edit")
def opportunities_delete(opportunity_id):
    """Delete (softly): Undo brings it back."""
    opportunity = _opportunity(opportunity_id)
    return delete_record(OPPORTUNITIES, opportunities.delete_opportunity, opportunity, opportunity.name)


@bp.post("/<int:opportunity_id>/restore")
@require("opportunities.edit")
def opportunities_restore(opportunity_id):
    """Undo a delete."""
    opportunity = get_or_404(Opportunity, opportunity_id)
    return restore_record(OPPORTUNITIES, opportunities.restore_opportunity, opportunity, opportunity.name)
