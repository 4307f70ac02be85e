"""The product catalogue and the line items of opportunities."""

from flask import Blueprint

bp = Blueprint("products", __name__)

from crm.blueprints.products import routes  # noqa: E402,F401
from crm.blueprints.products import line_items  # noqa: E402,F401  (registers on the opportunities blueprint)
