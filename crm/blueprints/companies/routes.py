from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from crm.blueprints.common import get_or_404
from crm.blueprints.companies import bp
from crm.blueprints.records import RecordKind
from crm.blueprints.records import after_create
from crm.blueprints.records import bulk_action
from crm.blueprints.records import bulk_restore
from crm.blueprints.records import delete_record
from crm.blueprints.records import export_csv
from crm.blueprints.records import list_page
from crm.blueprints.records import restore_record
from crm.blueprints.records import tags_by_name
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Company
from crm.models.people import LIFECYCLE_STAGES
from crm.models.people import SEGMENTS
from crm.models.people import SIZE_BANDS
from crm.models.people import TIERS
from crm.permissions import can
from crm.permissions import require
from crm.services import ServiceError
from crm.services import companies
from crm.services.listing import paginate
from crm.services.listing import parse_state
from crm.services.records import active_members

COMPANIES = RecordKind("companies", "company", companies, assign_permission="companies.edit")
CHOICES = {"size_bands": SIZE_BANDS, "segments": SEGMENTS, "tiers": TIERS, "lifecycle_stages": LIFECYCLE_STAGES}


def _company(company_id) -> Company:
    company = get_or_404(Company, company_id)
    if company.deleted_at is not None:
        abort(404)
    return company


def _list_context():
    state = parse_state(companies.LIST, request.args)
    page = paginate(companies.LIST, state, companies.list_query())
    tags = companies.tags_by_company([c.id for c in page.rows])
    return dict(state=state, page=page, tags=tags, spec=companies.LIST, members=active_members, all_tags=tags_by_name)


@bp.get("/")
@require("companies.view")
def companies_list():
    """Companies, searched, filtered, sorted and paged by the URL."""
    return list_page(COMPANIES, _list_context())


@bp.get("/export.csv")
@require("companies.view")
def companies_export():
    """Every company the current filter shows, as CSV."""
    return export_csv(COMPANIES, parse_state(companies.LIST, request.args))


@bp.get("/new")
@require("companies.edit")
def companies_new():
    """The form for a new company."""
    return render_template("companies/new.html", values={}, errors={}, members=active_members(), **CHOICES)


@bp.post("/")
@require("companies.edit")
def companies_create():
    """Create a company and open it."""
    try:
        company = companies.create_company(request.form)
    except ServiceError as error:
        db.session.rollback()
        return render("companies/new.html", "companies/_new_form.html", status=422, values=request.form,
                      errors={error.field or "_": error.message}, members=active_members(), **CHOICES)
    db.session.commit()
    flash(f"Company {company.name} created.", "success")
    return after_create("companies.companies_show", company_id=company.id)


@bp.get("/<int:company_id>")
@require("companies.view")
def companies_show(company_id):
    """The 360° view of a company."""
    company = _company(company_id)
    from crm.services.activity import panel_context

    from crm.services.opportunities import of_record

    deals = of_record(company_id=company.id) if can("opportunities.view") else None
    return render_template("companies/show.html", company=company, record=company, kind="company",
                           panel=panel_context("company", company), **companies.overview(company),
                           related_opportunities=deals, new_opportunity_args={"company_id": company.id})


@bp.get("/<int:company_id>/details")
@require("companies.view")
def companies_details(company_id):
    """The company's fields, read-only (Cancel of the inline edit comes back here)."""
    company = _company(company_id)
    return render_template("companies/_details.html", company=company, **companies.overview(company))


@bp.get("/<int:company_id>/edit")
@require("companies.edit")
def companies_edit(company_id):
    """The company's fields as a form, swapped in place of the details."""
    company = _company(company_id)
    values = {f: getattr(company, f) or "" for f in companies.FIELDS}
    return render_template("companies/_edit.html", company=company, values=values, errors={},
                           members=active_members(), **CHOICES)


@bp.post("/<int:company_id>")
@require("companies.edit")
def companies_update(company_id):
    """Save the inline edit."""
    company = _company(company_id)
    try:
        companies.update_company(company, request.form)
    except ServiceError as error:
        db.session.rollback()
        return render_template("companies/_edit.html", company=company, values=request.form,
                               errors={error.field or "_": error.message}, members=active_members(), **CHOICES), 422
    db.session.commit()
    if not wants_fragment():
        flash("Company saved.", "success")
        return redirect(url_for("companies.companies_show", company_id=company.id), 303)
    return render("companies/show.html", "companies/_details.html", trigger=toast("Company saved."),
                  company=company, **companies.overview(company))


@bp.post("/<int:company_id>/delete")
@require("companies.delete")
def companies_delete(company_id):
    """Delete (softly): Undo brings it back."""
    company = _company(company_id)
    return delete_record(COMPANIES, companies.delete_company, company, company.name)


@bp.post("/<int:company_id>/restore")
@require("companies.delete")
def companies_restore(company_id):
    """Undo a delete."""
    company = get_or_404(Company, company_id)
    return restore_record(COMPANIES, companies.restore_company, company, company.name)


@bp.post("/bulk")
@require("companies.edit")
def companies_bulk():
    """Assign an owner, add a tag, or delete the ticked companies."""
    return bulk_action(COMPANIES)


@bp.post("/bulk-restore")
@require("companies.delete")
def companies_bulk_restore():
    """Undo a bulk delete."""
    return bulk_restore(COMPANIES)
