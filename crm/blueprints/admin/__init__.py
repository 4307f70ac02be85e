"""The tenant admin console: members, invitations, roles, pipeline stages, settings, audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from crm.blueprints.admin import routes  # noqa: E402,F401
from crm.blueprints.admin import jobs  # noqa: E402,F401
from crm.blueprints.admin import scoring  # noqa: E402,F401
