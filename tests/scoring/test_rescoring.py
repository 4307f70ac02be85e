"""Rescoring in the database: a lead created or changed, the nightly job, a list of leads;
history rows only when the numbers change; one organization's job never touches another's leads."""

import sqlalchemy as sa

from crm.extensions import db
from crm.jobs.lead_scoring import rescore_all_leads
from crm.jobs.lead_scoring import rescore_leads
from crm.models import Lead
from crm.models import LeadScoreHistory
from crm.models import ScoringConfig
from crm.services import rescoring
from tenants.context import org_context
from tests.helpers import text_of
from tests.scoring.support import HOT
from tests.scoring.support import history_of
from tests.scoring.support import lead_row
from tests.scoring.support import make_lead
from tests.scoring.support import set_rules
from tests.scoring.support import unscored_count


def test_a_lead_created_in_the_app_is_scored_at_once(admin_a, org_a):
    set_rules(org_a)
    response = admin_a.post("/acme/leads/", data={"first_name": "Ada", "last_name": "Hot", "status": "new",
                                                  "title": "VP Sales", "source": "referral", "company_size": "5000+",
                                                  "email": "ada@hot.example"})
    assert response.status_code == 303
    with org_context(org_a.id):
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.last_name == "Hot"))
    # fit 50 + 35 + 30 + 5 (email) + 5 (title) = 125 -> 100; no interactions: total 50 (grade B)
    assert tuple(lead_row(org_a, lead_id))[:5] == (50, "B", 100, 0, 0)
    assert [(h.total, h.grade) for h in history_of(org_a, lead_id)] == [(50, "B")]


def test_the_lead_page_explains_the_score_and_shows_the_trend(admin_a, org_a):
    set_rules(org_a)
    admin_a.post("/acme/leads/", data={"last_name": "Trend", "status": "new", "title": "Manager", "source": "webinar"})
    with org_context(org_a.id):
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.last_name == "Trend"))
    admin_a.post(f"/acme/leads/{lead_id}", data={"last_name": "Trend", "status": "new", "title": "VP",
                                                 "source": "referral", "owner_id": ""})
    text = text_of(admin_a.get(f"/acme/leads/{lead_id}"))
    # Now: 35 (vp) + 30 (referral) + 5 (title given) = 70 fit -> total 35, grade C; before 20+20+5 = 45 -> 23, D
    assert "35 of 100, grade C" in text
    assert "Title contains “vp” +35" in text and "Source: Referral +30" in text and "Job title given +5" in text
    trend = text[text.index("Trend"):]
    assert trend.index(" 35 C 70 / 0 / 0") < trend.index(" 23 D 45 / 0 / 0")


def test_a_change_that_does_not_move_the_score_adds_no_history(admin_a, org_a):
    set_rules(org_a)
    admin_a.post("/acme/leads/", data={"last_name": "Calm", "status": "new", "title": "VP"})
    with org_context(org_a.id):
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.last_name == "Calm"))
    admin_a.post(f"/acme/leads/{lead_id}", data={"first_name": "Carl", "last_name": "Calm", "status": "working",
                                                 "title": "VP", "owner_id": ""})
    assert len(history_of(org_a, lead_id)) == 1


def test_the_nightly_job_scores_every_lead_with_interactions(app, org_a):
    set_rules(org_a)
    hot = make_lead(org_a, interactions=4, days_ago=6, **HOT)
    cold = make_lead(org_a, title="Intern")
    deleted = make_lead(org_a, title="VP")
    with org_context(org_a.id):
        db.session.get(Lead, deleted).deleted_at = db.func.now()
        db.session.commit()
        rescore_all_leads(org_a.id)
        db.session.expire_all()
    # 4 interactions, the newest 6 days ago: engagement 50, activity 100 -> (100*50 + 50*30 + 100*20)/100 = 85
    assert tuple(lead_row(org_a, hot))[:5] == (85, "A", 100, 50, 100)
    assert tuple(lead_row(org_a, cold))[:5] == (3, "D", 5, 0, 0)
    assert lead_row(org_a, deleted).score is None
    explanation = history_of(org_a, hot)[0].explanation
    assert ["engagement", "At least 3 interactions (4 so far)", 50] in explanation
    assert ["activity", "Last interaction within 7 days", 100] in explanation
    with org_context(org_a.id):
        config = db.session.scalars(sa.select(ScoringConfig)).one()
        assert config.rescore_cursor is None and config.rescored_at is not None


def test_each_lead_of_a_batch_gets_its_own_explanation_in_the_history(app, org_a):
    set_rules(org_a)
    twins = [make_lead(org_a, title="VP", source="referral") for _ in range(2)]
    other = make_lead(org_a, title="Intern", source="webinar")
    busy = make_lead(org_a, interactions=4, days_ago=6, title="VP", source="referral")
    with org_context(org_a.id):
        rescore_all_leads(org_a.id)
    first, second = (history_of(org_a, lead_id)[-1].explanation for lead_id in twins)
    assert first == second
    assert ["fit", "Title contains “vp”", 35] in first and ["fit", "Source: Referral", 30] in first
    assert not any("vp" in reason for _, reason, _ in history_of(org_a, other)[-1].explanation)
    assert ["engagement", "At least 3 interactions (4 so far)", 50] in history_of(org_a, busy)[-1].explanation
    assert ["engagement", "At least 3 interactions (4 so far)", 50] not in first


def test_the_nightly_job_again_writes_history_only_for_leads_that_changed(app, org_a):
    set_rules(org_a)
    moving = make_lead(org_a, interactions=1, days_ago=5, **HOT)
    still = make_lead(org_a, title="VP")
    with org_context(org_a.id):
        rescore_all_leads(org_a.id)
        db.session.expire_all()
    from datetime import timedelta

    from crm import clock
    clock.travel(timedelta(days=3))  # the interaction is now 8 days old: activity 100 -> 60
    with org_context(org_a.id):
        rescore_all_leads(org_a.id)
        db.session.expire_all()
    assert [h.total for h in history_of(org_a, moving)] == [76, 68]
    assert len(history_of(org_a, still)) == 1


def test_the_nightly_job_goes_in_batches_and_resumes_from_its_cursor(app, org_a, monkeypatch):
    set_rules(org_a)
    ids = [make_lead(org_a, title="VP", last_name=f"L{i}") for i in range(5)]
    with org_context(org_a.id):
        step = rescoring.full_pass_batch(limit=2)
        db.session.commit()
        assert (step.scored, step.finished) == (2, False)
        cursor = db.session.scalars(sa.select(ScoringConfig)).one().rescore_cursor
        assert cursor == ids[1]
        steps = [rescoring.full_pass_batch(limit=2) for _ in range(2)]
        db.session.commit()
        assert [(s.scored, s.finished) for s in steps] == [(2, False), (1, True)]
        assert unscored_count() == 0


def test_a_scoring_job_for_one_organization_never_touches_another(app, org_a, org_b):
    set_rules(org_a)
    leads_of_b = sa.select(Lead.__table__).where(Lead.__table__.c.org_id == org_b.id)
    make_lead(org_a, **HOT)
    b_lead = make_lead(org_b, **HOT)
    with org_context(org_b.id):
        before = db.session.execute(leads_of_b).all()
        db.session.expire_all()
    with org_context(org_a.id):
        rescore_all_leads(org_a.id)
        rescore_leads([b_lead])  # B's id named in A's job: not A's lead, nothing happens
        db.session.expire_all()
    with org_context(org_b.id):
        assert db.session.execute(leads_of_b).all() == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadScoreHistory)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoringConfig)) == 0


def test_rescore_leads_scores_the_named_leads_only(app, org_a):
    set_rules(org_a)
    named = make_lead(org_a, **HOT)
    other = make_lead(org_a, **HOT)
    with org_context(org_a.id):
        rescore_leads([named])
        db.session.expire_all()
    assert lead_row(org_a, named).score == 50
    assert lead_row(org_a, other).score is None


def test_the_nightly_job_on_a_real_worker_takes_turns_chunk_by_chunk(app, org_a, org_b, redis_worker, monkeypatch):
    from crm.jobs import enqueue
    from crm.jobs import lead_scoring
    from crm.models import BackgroundJob

    monkeypatch.setattr(rescoring, "BATCH_SIZE", 2)
    monkeypatch.setattr(lead_scoring, "BATCHES_PER_RUN", 1)
    set_rules(org_a)
    ids = [make_lead(org_a, title="VP", last_name=f"W{i}") for i in range(5)]
    b_lead = make_lead(org_b, title="VP")
    with org_context(org_a.id):
        enqueue(rescore_all_leads, org_a.id, org_a.id, kind="lead_scoring")
        db.session.commit()
    redis_worker()
    with org_context(org_a.id):
        job = db.session.scalars(sa.select(BackgroundJob)).one()
        assert (job.status, job.runs) == ("succeeded", 3)  # 2 + 2 + 1 leads, back in the queue between
    assert [lead_row(org_a, i).score for i in ids] == [20] * 5
    assert lead_row(org_b, b_lead).score is None


def test_the_trend_is_drawn_as_a_line_once_the_score_has_changed(admin_a, org_a):
    set_rules(org_a)
    admin_a.post("/acme/leads/", data={"last_name": "Spark", "status": "new", "title": "Manager", "source": "webinar"})
    with org_context(org_a.id):
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.last_name == "Spark"))
    assert "score-sparkline" not in admin_a.get(f"/acme/leads/{lead_id}").get_data(as_text=True)  # one scoring
    admin_a.post(f"/acme/leads/{lead_id}", data={"last_name": "Spark", "status": "new", "title": "VP",
                                                 "source": "referral", "owner_id": ""})
    html = admin_a.get(f"/acme/leads/{lead_id}").get_data(as_text=True)
    # 23 then 35, out of 100, across 160 by 32 pixels
    assert 'aria-label="Total over the last 2 scorings, from 23 to 35"' in html
    assert '<polyline points="0.0,24.6 160.0,20.8"' in html
