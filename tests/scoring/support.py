"""Helpers for the scoring tests: rules, leads and interactions written straight to the database."""

from datetime import timedelta

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadScore
from crm.models import LeadScoreHistory
from crm.models import User
from crm.services.scoring_settings import ensure_config
from tenants.context import org_context

RULES = {
    "weights": {"fit": 50, "engagement": 30, "activity": 20},
    "company_size": {"51-200": 30, "5000+": 50},
    "title_keywords": [["manager", 20], ["vp", 35]],
    "sources": {"referral": 30, "webinar": 20},
    "completeness": {"email": 5, "phone": 5, "company": 5, "title": 5},
    "interaction_count": [[1, 20], [3, 50], [10, 100]],
    "recency": [[7, 100], [30, 60], [90, 30]],
}
# With RULES: a "5000+" VP from a referral with an email, 4 interactions, the last 10 days ago:
# fit 50+35+30+5+5 = 125 -> 100, engagement 50, activity 60, total 77, grade A.
HOT = {"company_size": "5000+", "title": "VP Sales", "source": "referral", "email": "hot@x.example"}


def set_rules(org, rules=RULES, grades=(75, 50, 25)) -> None:
    with org_context(org.id):
        config = ensure_config()
        config.rules, (config.grade_a, config.grade_b, config.grade_c) = rules, grades
        db.session.commit()


def make_lead(org, interactions: int = 0, days_ago: int = 0, score: int | None = None, grade: str = "D",
              **fields) -> int:
    """A lead (scored ``score`` when given, as fit alone) with ``interactions`` calls, the
    latest ``days_ago`` days ago."""
    with org_context(org.id):
        lead = Lead(**{"last_name": "Lead", **fields})
        db.session.add(lead)
        db.session.flush()
        if score is not None:
            db.session.add(LeadScore(lead_id=lead.id, fit=score, engagement=0, activity=0, total=score, grade=grade))
        for i in range(interactions):
            db.session.add(Interaction(kind="call", subject=f"Call {i}", lead_id=lead.id,
                                       occurred_at=clock.now() - timedelta(days=days_ago + i)))
        db.session.commit()
        return lead.id


def lead_row(org, lead_id):
    """The lead's score (None when it has none yet) and owner."""
    with org_context(org.id):
        return db.session.execute(
            sa.select(LeadScore.total.label("score"), LeadScore.grade, LeadScore.fit.label("score_fit"),
                      LeadScore.engagement.label("score_engagement"), LeadScore.activity.label("score_activity"),
                      Lead.owner_id)
            .outerjoin(LeadScore, sa.and_(LeadScore.org_id == Lead.org_id, LeadScore.lead_id == Lead.id))
            .where(Lead.id == lead_id)).one()


def unscored_count() -> int:
    """Leads of the current organization that have no score row."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Lead).where(
        ~sa.exists().where(LeadScore.org_id == Lead.org_id, LeadScore.lead_id == Lead.id)))


def history_of(org, lead_id) -> list:
    with org_context(org.id):
        return db.session.execute(sa.select(LeadScoreHistory.total, LeadScoreHistory.grade,
                                            LeadScoreHistory.explanation)
                                  .where(LeadScoreHistory.lead_id == lead_id).order_by(LeadScoreHistory.id)).all()


def user_id(email: str) -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def a_rule_id(org) -> int:
    """An assignment rule of this organization (made if it has none), for URL walks."""
    from crm.models import AssignmentRule

    with org_context(org.id):
        rule_id = db.session.scalar(sa.select(AssignmentRule.id).limit(1))
        if rule_id is None:
            rule = AssignmentRule(name="Walk", min_score=0, max_score=100, target="round_robin", member_ids=[],
                                  task_title="Follow up", task_due_days=1)
            db.session.add(rule)
            db.session.commit()
            rule_id = rule.id
        return rule_id
