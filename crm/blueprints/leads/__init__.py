"""Leads: the list (fast at a million rows), the record page, duplicates and merging, qualification and
conversion."""

from flask import Blueprint

bp = Blueprint("leads", __name__)

from crm.blueprints.leads import conversion  # noqa: E402,F401
from crm.blueprints.leads import routes  # noqa: E402,F401
