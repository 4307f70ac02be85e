"""An opportunity's line items: add, edit and delete, under the opportunity's URLs.

The rules are registered on the opportunities blueprint (``/<org_slug>/opportunities/<id>/line-items``)
but live here, with the catalogue they draw from. htmx gets the line items section again plus
the deal's new value out of band (``#opportunity-value``); a plain form post is redirected to
the opportunity's page, or shown the section with the error (422).
"""

import json

from flask import abort
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from crm.blueprints.common import get_or_404
from crm.blueprints.opportunities import bp
from crm.extensions import db
from crm.htmx import is_htmx
from crm.htmx import toast
from crm.models import Opportunity
from crm.models import OpportunityLineItem
from crm.permissions import require
from crm.services import ServiceError
from crm.services import line_items
from crm.services import products


@bp.app_template_filter("line_total")
def line_total(item: OpportunityLineItem):
    return line_items.line_total(item.quantity, item.unit_price, item.discount_percent)


@bp.app_template_filter("line_items_total")
def line_items_total(items):
    return line_items.total_of(list(items))


def _opportunity(opportunity_id) -> Opportunity:
    opportunity = get_or_404(Opportunity, opportunity_id)
    if opportunity.deleted_at is not None:
        abort(404)
    return opportunity


def _line_item(opportunity: Opportunity, line_item_id) -> OpportunityLineItem:
    item = get_or_404(OpportunityLineItem, line_item_id)
    if item.opportunity_id != opportunity.id:
        abort(404)
    return item


def _section(opportunity: Opportunity, status: int = 200, trigger: dict | None = None,
             error: ServiceError | None = None, error_item_id: int | None = None, values=None):
    context = {"opportunity": opportunity, "line_items": line_items.line_items_for(opportunity),
               "products": products.active_products(), "error": error, "error_item_id": error_item_id,
               "values": values or {}}
    if is_htmx():
        response = make_response(render_template("opportunities/_line_items.html", oob_value=True, **context), status)
        if trigger:
            response.headers["HX-Trigger"] = json.dumps(trigger)
        response.vary.add("HX-Request")
        return response
    return make_response(render_template("products/line_items_page.html", **context), status)


def _done(opportunity: Opportunity, message: str):
    db.session.commit()
    if is_htmx():
        return _section(opportunity, trigger=toast(message))
    flash(message, "success")
    return redirect(url_for("opportunities.opportunities_show", opportunity_id=opportunity.id) + "#line-items")


def _refused(opportunity: Opportunity, error: ServiceError, error_item_id: int | None = None):
    db.session.rollback()
    return _section(opportunity, status=error.status, error=error, error_item_id=error_item_id, values=request.form)


@bp.get("/<int:opportunity_id>/line-items")
@require("opportunities.view")
def line_items_show(opportunity_id):
    """The line items section alone (what htmx swaps; a page without JS)."""
    return _section(_opportunity(opportunity_id))


@bp.post("/<int:opportunity_id>/line-items")
@require("opportunities.edit")
def line_items_add(opportunity_id):
    """Add a catalogue product to the deal at its current price (or the price typed)."""
    opportunity = _opportunity(opportunity_id)
    try:
        item = line_items.add_line_item(opportunity, request.form)
    except ServiceError as error:
        return _refused(opportunity, error)
    return _done(opportunity, f"Added {item.name}.")


@bp.post("/<int:opportunity_id>/line-items/<int:line_item_id>")
@require("opportunities.edit")
def line_items_update(opportunity_id, line_item_id):
    """Change a line's quantity, unit price or discount."""
    opportunity = _opportunity(opportunity_id)
    item = _line_item(opportunity, line_item_id)
    try:
        line_items.update_line_item(opportunity, item, request.form)
    except ServiceError as error:
        return _refused(opportunity, error, line_item_id)
    return _done(opportunity, f"Saved {item.name}.")


@bp.post("/<int:opportunity_id>/line-items/<int:line_item_id>/delete")
@require("opportunities.edit")
def line_items_delete(opportunity_id, line_item_id):
    """Remove a line; the value stays at the last total when it was the last line."""
    opportunity = _opportunity(opportunity_id)
    item = _line_item(opportunity, line_item_id)
    name = item.name
    line_items.delete_line_item(opportunity, item)
    return _done(opportunity, f"Removed {name}.")
