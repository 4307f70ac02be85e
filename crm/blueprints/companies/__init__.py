"""Companies: the list, the 360° record page, create, edit, delete and undo."""

from flask import Blueprint

bp = Blueprint("companies", __name__)

from crm.blueprints.companies import routes  # noqa: E402,F401
