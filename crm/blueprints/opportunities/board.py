"""Placeholder until the board lands."""

from crm.blueprints.opportunities import bp
from crm.permissions import require


@bp.get("/board")
@require("opportunities.view")
def board():
    """One column per stage."""
    return "Board"
