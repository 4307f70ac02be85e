"""Opportunities: the stage board, the list and the record page."""

from flask import Blueprint

bp = Blueprint("opportunities", __name__)

from crm.blueprints.opportunities import board  # noqa: E402,F401
from crm.blueprints.opportunities import routes  # noqa: E402,F401
