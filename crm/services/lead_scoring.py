"""Scoring in the request that creates or changes a lead: one lead is cheap to score at once,
so its page shows the new score right away (crm.services.leads calls this)."""

from crm.extensions import db
from crm.models import Lead
from crm.services import assignment
from crm.services import rescoring
from crm.services.scoring_settings import current_rules


def score(lead: Lead) -> None:
    rescoring.score_one(lead, current_rules())


def score_and_route(lead: Lead) -> None:
    """A new lead: scored, then routed by the assignment rules when nobody owns it."""
    score(lead)
    if lead.owner_id is None:
        db.session.flush()
        if assignment.assign_leads([lead.id]):
            db.session.expire(lead, ["owner_id", "updated_at"])


def history(lead_id: int) -> list:
    return rescoring.history(lead_id)
