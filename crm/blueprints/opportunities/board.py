"""Placeholder until the board lands."""

from crm.blueprints.opportunities import bp
from crm.permissions import require
from crm.services import stage_moves  # noqa: F401  registers the stage's deal counter


@bp.get("/board")
@require("opportunities.view")
def board():
    """One column per stage."""
    return "Board"
