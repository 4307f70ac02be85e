"""Finding things: the global search in the top bar and the "My tasks" page."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from crm.blueprints.search import routes  # noqa: E402,F401
