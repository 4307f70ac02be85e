"""What happens to records: interactions, notes, tasks, tags and the timeline, as fragments."""

from flask import Blueprint

bp = Blueprint("activity", __name__)

from crm.blueprints.activity import routes  # noqa: E402,F401
