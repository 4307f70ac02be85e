"""Placeholder until the notifications pages land."""

from crm.blueprints.notifications import bp
from crm.permissions import require


@bp.get("/")
@require("dashboard.view")
def notifications_list():
    """The member's notifications."""
    return "Notifications"
