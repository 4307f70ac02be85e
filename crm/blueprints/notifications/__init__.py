"""In-app notifications: the bell in the top bar and the notifications page."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from crm.blueprints.notifications import routes  # noqa: E402,F401
from crm.blueprints.notifications import preferences  # noqa: E402,F401
from crm.blueprints.notifications.preferences import public_bp as unsubscribe_bp  # noqa: E402,F401
