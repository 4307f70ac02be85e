"""The catalogue page: search, add, edit in place, deactivate, reactivate and delete.

Every change answers htmx with the whole catalogue section (rows and the add form) and a
toast, and a plain form post with a redirect back to the list, keeping the search.
"""

from flask import flash
from flask import redirect
from flask import request
from flask import url_for

from crm.blueprints.common import get_or_404
from crm.blueprints.products import bp
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Product
from crm.permissions import require
from crm.services import ServiceError
from crm.services import products


def _filters() -> dict:
    """The list's search, read from the query string (actions keep it in their URLs)."""
    filters = {}
    query = products.clean_query(request.args.get("q"))
    if query:
        filters["q"] = query
    status = products.clean_status(request.args.get("status"))
    if status != "active":
        filters["status"] = status
    return filters


def _section(status: int = 200, trigger: dict | None = None, error: str | None = None,
             errors_for: dict | None = None, new_values=None, new_error=None):
    filters = _filters()
    rows = products.list_products(filters.get("q", ""), filters.get("status", "active"))
    return render("products/list.html", "products/_products.html", status=status, trigger=trigger,
                  rows=rows[:products.LIST_LIMIT], more=len(rows) > products.LIST_LIMIT, filters=filters,
                  query=filters.get("q", ""), state=filters.get("status", "active"), error=error,
                  errors_for=errors_for or {}, values_for=(request.form if errors_for else {}),
                  new_values=new_values or {}, new_error=new_error)


def _done(message: str):
    db.session.commit()
    if wants_fragment():
        return _section(trigger=toast(message))
    flash(message, "success")
    return redirect(url_for("products.products_list", **_filters()))


@bp.get("/")
@require("products.view")
def products_list():
    """The catalogue, searched by name or SKU and filtered by active or inactive."""
    return _section()


@bp.post("/")
@require("products.manage")
def products_create():
    """Add a product."""
    try:
        product = products.create_product(request.form)
    except ServiceError as error:
        db.session.rollback()
        return _section(status=error.status, new_values=request.form, new_error=error)
    return _done(f"Product {product.name} added.")


@bp.post("/<int:product_id>")
@require("products.manage")
def products_update(product_id):
    """Save the name, SKU, unit price and active flag edited in the product's row."""
    product = get_or_404(Product, product_id)
    try:
        products.update_product(product, request.form)
    except ServiceError as error:
        db.session.rollback()
        return _section(status=error.status, errors_for={product_id: error})
    return _done(f"Product {product.name} saved.")


@bp.post("/<int:product_id>/deactivate")
@require("products.manage")
def products_deactivate(product_id):
    """Take a product out of the line item form; deals that have it keep it."""
    product = get_or_404(Product, product_id)
    products.set_active(product, False)
    return _done(f"Product {product.name} deactivated: it can no longer be added to deals.")


@bp.post("/<int:product_id>/reactivate")
@require("products.manage")
def products_reactivate(product_id):
    product = get_or_404(Product, product_id)
    products.set_active(product, True)
    return _done(f"Product {product.name} reactivated.")


@bp.post("/<int:product_id>/delete")
@require("products.manage")
def products_delete(product_id):
    """Delete a product that no deal uses (one that is used can only be deactivated)."""
    product = get_or_404(Product, product_id)
    name = product.name
    try:
        products.delete_product(product)
    except ServiceError as error:
        db.session.rollback()
        return _section(status=error.status, errors_for={product_id: error})
    return _done(f"Product {name} deleted.")
