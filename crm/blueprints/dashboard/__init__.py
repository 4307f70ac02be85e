"""The organization's home page: the sales dashboard."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from crm.blueprints.dashboard import routes  # noqa: E402,F401  (registers the views)
