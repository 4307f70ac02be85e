"""The global search (top bar and its page) and saved views of the record lists."""

from urllib.parse import urlsplit

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for

from crm.blueprints.search import bp
from crm.extensions import db
from crm.extensions import htmx
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models.views import VIEW_ENTITIES
from crm.permissions import PERMISSIONS
from crm.permissions import can
from crm.permissions import require
from crm.services import ServiceError
from crm.services import saved_views
from crm.services import search as search_service

SHOW_ENDPOINTS = {"companies": ("companies.companies_show", "company_id"),
                  "contacts": ("contacts.contacts_show", "contact_id"),
                  "leads": ("leads.leads_show", "lead_id")}
DROPDOWN_TARGET = "global-search-results"


@bp.app_template_global()
def saved_views_for(entity: str) -> list[saved_views.ViewItem]:
    """For ``_saved_views.html``: the member's own and the shared views of a list."""
    return saved_views.views_for(entity)


@bp.app_template_global()
def list_endpoint_for(entity: str) -> str | None:
    """The list page of ``companies``, ``contacts`` or ``leads``, when it is built."""
    endpoint = f"{entity}.{entity}_list"
    return endpoint if endpoint in current_app.view_functions else None


def _record_links() -> dict[str, str | None]:
    """Show-page endpoints by kind; None while a record page does not exist yet."""
    return {kind: endpoint if endpoint in current_app.view_functions else None
            for kind, (endpoint, _) in SHOW_ENDPOINTS.items()}


# Global search

@bp.get("/search")
@require("dashboard.view")
def search():
    """Companies, contacts and leads matching ``q``: the top bar's dropdown, or a page."""
    kinds = [kind for kind in search_service.KINDS if can(f"{kind}.view")]
    results = search_service.search(request.args.get("q"), kinds)
    context = dict(results=results, kinds=kinds, links=_record_links(), id_args={k: v[1] for k, v in SHOW_ENDPOINTS.items()},
                   list_endpoints={k: list_endpoint_for(k) for k in kinds})
    if wants_fragment() and htmx.target == DROPDOWN_TARGET:
        return render("search/page.html", "search/_dropdown.html", **context)
    if wants_fragment() and htmx.target == "search-results":
        return render("search/page.html", "search/_results.html", **context)
    return render("search/page.html", "search/page.html", **context)


# Saved views

def _entity_from_form() -> str:
    entity = request.form.get("entity", "")
    if entity not in VIEW_ENTITIES:
        abort(400, description="Saved views exist for companies, contacts and leads only.")
    if not can(f"{entity}.view"):
        abort(403, description=f"Your role does not allow this ({PERMISSIONS[f'{entity}.view'].lower()}).")
    return entity


def _current_query(entity: str) -> str:
    """The list's query as the member sees it now.

    The list updates its address as it is searched and sorted (htmx pushes the URL), so for
    an htmx request the browser's current address is the truth; without JavaScript every
    change reloads the page, and the form's hidden field carries the same.
    """
    current = request.headers.get("HX-Current-URL") if htmx else None
    endpoint = list_endpoint_for(entity)
    if current and endpoint:
        parts = urlsplit(current)
        if parts.path.rstrip("/") == url_for(endpoint).rstrip("/"):
            return parts.query
    return request.form.get("query", "")


def _partial(entity: str, query: str, status: int = 200, trigger: dict | None = None, **extra):
    """The Views menu again (htmx), or a page holding it for a form sent without JavaScript."""
    return render("search/saved_view_form.html", "_saved_views.html", status=status, trigger=trigger,
                  entity=entity, view_query=query, **extra)


def _back_to_list(entity: str, query: str):
    endpoint = list_endpoint_for(entity)
    url = url_for(endpoint) if endpoint else url_for("dashboard.home")
    return redirect(f"{url}?{query}" if query and endpoint else url, 303)


@bp.post("/views")
@require("dashboard.view")
def views_create():
    """Save the list's current filter under a name (the entity's view permission is checked too)."""
    entity = _entity_from_form()
    query = _current_query(entity)
    try:
        view = saved_views.create_view(entity, request.form.get("name"), query, request.form.get("shared") == "1")
    except ServiceError as error:
        db.session.rollback()
        return _partial(entity, query, status=422, errors={error.field or "_": error.message},
                        values=request.form, save_open=True)
    db.session.commit()
    message = f"Saved the view “{view.name}”{' and shared it with the organization' if view.shared else ''}."
    if wants_fragment():
        return _partial(entity, query, trigger=toast(message))
    flash(message, "success")
    return _back_to_list(entity, view.query)


def _own_view_or_404(view_id: int):
    """Only the owner changes a view: another member's view, shared or not, is a 404."""
    view = saved_views.own_view(view_id)
    if view is None:
        abort(404)
    return view


@bp.post("/views/<int:view_id>/rename")
@require("dashboard.view")
def views_rename(view_id):
    """Rename one of your views, and share or unshare it."""
    view = _own_view_or_404(view_id)
    query = _current_query(view.entity)
    try:
        saved_views.rename_view(view, request.form.get("name"), request.form.get("shared") == "1")
    except ServiceError as error:
        db.session.rollback()
        return _partial(view.entity, query, status=422, errors={f"rename-{view_id}": error.message},
                        values=request.form, rename_open=view_id)
    db.session.commit()
    message = f"Renamed the view to “{view.name}”."
    if wants_fragment():
        return _partial(view.entity, query, trigger=toast(message))
    flash(message, "success")
    return _back_to_list(view.entity, query)


@bp.post("/views/<int:view_id>/delete")
@require("dashboard.view")
def views_delete(view_id):
    """Delete one of your views."""
    view = _own_view_or_404(view_id)
    entity, name, query = view.entity, view.name, _current_query(view.entity)
    saved_views.delete_view(view)
    db.session.commit()
    message = f"Deleted the view “{name}”."
    if wants_fragment():
        return _partial(entity, query, trigger=toast(message))
    flash(message, "success")
    return _back_to_list(entity, query)
