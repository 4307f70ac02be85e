"""Placeholder until the opportunities pages land."""

from crm.blueprints.opportunities import bp
from crm.permissions import require


@bp.get("/")
@require("opportunities.view")
def opportunities_list():
    """The organization's opportunities."""
    return "Opportunities"
