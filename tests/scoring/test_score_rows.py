"""A lead's current score is one row of lead_scores: made at its first scoring, rewritten by
every later one, gone with the lead or its organization."""

import sqlalchemy as sa

from crm.extensions import db
from crm.jobs.lead_scoring import rescore_all_leads
from crm.models import Lead
from crm.services import rescoring
from crm.services.scoring_settings import current_rules
from tenants.context import org_context
from tests.conftest import ON_POSTGRES
from tests.conftest import pg_urls
from tests.scoring.support import RULES
from tests.scoring.support import lead_row
from tests.scoring.support import make_lead
from tests.scoring.support import set_rules


def _as_owner(sql: str, **params) -> list:
    """Statements past the app's organization filter and row-level security: the database's
    own view (on PostgreSQL the owner, who bypasses RLS)."""
    db.session.commit()
    engine = sa.create_engine(pg_urls()[1], poolclass=sa.pool.NullPool) if ON_POSTGRES else db.engine
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        if ON_POSTGRES:
            engine.dispose()


def _score_rows() -> list:
    return _as_owner("SELECT org_id, lead_id FROM lead_scores ORDER BY org_id, lead_id")


def _rescore_everything(org) -> None:
    with org_context(org.id):
        rescore_all_leads(org.id)
        db.session.commit()


def test_deleting_a_lead_or_its_organization_deletes_its_score(app, org_a, org_b):
    a, b = org_a.id, org_b.id
    for org in (org_a, org_b):
        set_rules(org)
    gone, kept = make_lead(org_a, title="VP"), make_lead(org_a, title="Manager")
    other = make_lead(org_b, title="VP")
    for org in (org_a, org_b):
        _rescore_everything(org)
    assert _score_rows() == [(a, gone), (a, kept), (b, other)]

    _as_owner("DELETE FROM leads WHERE id = :id", id=gone)
    assert _score_rows() == [(a, kept), (b, other)]

    db.session.remove()  # the organization's objects go with it
    _as_owner("DELETE FROM organizations WHERE id = :id", id=a)
    assert _score_rows() == [(b, other)]


def test_scoring_keeps_one_score_row_per_lead_however_often_it_runs(admin_a, org_a):
    set_rules(org_a)
    admin_a.post("/acme/leads/", data={"last_name": "Made", "status": "new", "title": "VP"})
    with org_context(org_a.id):
        made = db.session.scalar(sa.select(Lead.id).where(Lead.last_name == "Made"))
    admin_a.post(f"/acme/leads/{made}", data={"last_name": "Made", "status": "new", "title": "Manager",
                                              "owner_id": ""})
    others = [make_lead(org_a, title="VP", last_name=f"L{i}") for i in range(3)]
    # Rules that move every score each time, so every pass rewrites every row.
    for vp_points in (10, 35, 20):
        set_rules(org_a, {**RULES, "title_keywords": [["manager", vp_points], ["vp", vp_points]]})
        _rescore_everything(org_a)
        with org_context(org_a.id):
            rescoring.rescore_ids(current_rules(), [made, *others])
            lead = db.session.get(Lead, others[0])
            rescoring.score_one(lead, current_rules())
            db.session.commit()
    assert _score_rows() == [(org_a.id, i) for i in sorted([made, *others])]
    # fit 20 (keyword) + 5 (title given) = 25 -> total 13 (12.5 rounded up), grade D
    assert [tuple(lead_row(org_a, i))[:3] for i in (made, *others)] == [(13, "D", 25)] * 4
