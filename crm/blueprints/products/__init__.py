"""The product catalogue and the line items of opportunities."""

from flask import Blueprint

bp = Blueprint("products", __name__)

from crm.blueprints.products import routes  # noqa: E402,F401
