"""Placeholder until the catalogue lands."""

from crm.blueprints.products import bp
from crm.permissions import require


@bp.get("/")
@require("products.view")
def products_list():
    """The catalogue."""
    return "Products"
