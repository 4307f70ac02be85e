"""The admin console's scoring and assignment pages: who may open them, saving, clear 422s for
bad input, a rescoring queued on request, and no reach into another organization."""

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import AssignmentRule
from crm.models import AuditEntry
from crm.models import Lead
from crm.models import ScoringConfig
from crm.services.scoring_settings import form_values
from tenants.context import org_context
from tests.helpers import text_of
from tests.scoring.support import make_lead
from tests.scoring.support import user_id

HX = {"HX-Request": "true"}


def _scoring_form(**changes) -> dict:
    return {**form_values(None), **changes}


def _rule_form(**changes) -> dict:
    return {"name": "Senior reps", "min_score": "75", "max_score": "100", "source": "", "countries": "",
            "target": "round_robin", "member_ids": [str(user_id("sales.rep@acme.example"))], "owner_id": "",
            "task_title": "Call within a day", "task_due_days": "1", "active": "on", **changes}


def _config(org):
    with org_context(org.id):
        return db.session.scalars(sa.select(ScoringConfig)).one_or_none()


@pytest.mark.parametrize("method, url", [
    ("get", "/acme/admin/scoring"), ("post", "/acme/admin/scoring"), ("post", "/acme/admin/scoring/rescore"),
    ("get", "/acme/admin/assignment"), ("post", "/acme/admin/assignment")])
def test_members_without_the_permission_get_403(client, org_a, method, url):
    client.login("sales.manager@acme.example")
    assert getattr(client, method)(url).status_code == 403


def test_the_page_shows_the_default_rules_and_the_nav_links_to_it(admin_a, org_a):
    page = admin_a.get("/acme/admin/scoring")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="weight_fit"' in html and "vp = 35" in html and "7 = 100" in html
    assert 'href="/acme/admin/scoring"' in admin_a.get("/acme/admin/members").get_data(as_text=True)
    assert 'href="/acme/admin/assignment"' in html


def test_saving_stores_the_rules_and_audits_the_change(admin_a, org_a):
    response = admin_a.post("/acme/admin/scoring", data=_scoring_form(
        grade_a="80", **{"size_51-200": "33"}, title_keywords="cto = 45\nVP   Sales = 30", recency="30 = 50\n7 = 90"))
    assert response.status_code == 302
    config = _config(org_a)
    assert (config.grade_a, config.rules["company_size"]["51-200"]) == (80, 33)
    assert config.rules["title_keywords"] == [["cto", 45], ["vp sales", 30]]
    assert config.rules["recency"] == [[7, 90], [30, 50]]
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(AuditEntry.summary).where(AuditEntry.action == "scoring.update")) \
            == "Changed the lead scoring rules"


@pytest.mark.parametrize("changes, message", [
    ({"size_51-200": "-5"}, "Company size 51-200: points must be from 0 to 100; -5 is out of range."),
    ({"source_referral": "abc"}, "Source Referral: enter a whole number from 0 to 100 (not “abc”)."),
    ({"grade_a": "40", "grade_b": "50"}, "Grade thresholds must go down from A to C and stay above 0 (A 40, B 50, C 25 now)"),
    ({"grade_c": "0"}, "Grade thresholds must go down from A to C and stay above 0 (A 75, B 50, C 0 now)"),
    ({"weight_fit": "0", "weight_engagement": "0", "weight_activity": "0"}, "Give at least one component a weight above 0"),
    ({"title_keywords": "vp 35"}, "Title keywords, line 1 (“vp 35”): write it as “vp = 30”"),
    ({"title_keywords": "vp = 35\nVP = 20"}, "Title keywords, line 2: “vp” is listed twice"),
    ({"interaction_count": "three = 50"}, "Interaction count, line 1: “three” is not a whole number of 0 or more."),
    ({"recency": "7 = 150"}, "Last interaction, line 1: points must be from 0 to 100; 150 is out of range."),
])
def test_bad_input_is_refused_with_a_clear_422(admin_a, org_a, changes, message):
    response = admin_a.post("/acme/admin/scoring", data=_scoring_form(**changes), headers=HX)
    assert response.status_code == 422
    assert message in text_of(response)
    assert _config(org_a) is None  # nothing was saved


def test_save_and_rescore_rescores_every_lead(admin_a, org_a):
    lead = make_lead(org_a, title="CTO")
    response = admin_a.post("/acme/admin/scoring", data=_scoring_form(title_keywords="cto = 90", rescore="1"),
                            headers=HX)
    assert response.status_code == 200
    assert "being rescored" in response.headers["HX-Trigger"]
    with org_context(org_a.id):
        # fit 90 + 5 (title given) = 95; total (95*50)/100 = 47.5 -> 48
        assert db.session.get(Lead, lead).score == 48


def test_rescore_now_uses_the_saved_rules(admin_a, org_a):
    lead = make_lead(org_a, title="VP")
    assert admin_a.post("/acme/admin/scoring/rescore").status_code == 302
    with org_context(org_a.id):
        assert db.session.get(Lead, lead).score == 20  # (35 + 5) * 50 / 100


# Assignment rules

def test_a_rule_is_added_edited_moved_and_deleted(admin_a, org_a):
    assert admin_a.post("/acme/admin/assignment", data=_rule_form()).status_code == 302
    nurture = user_id("marketing.manager@acme.example")
    admin_a.post("/acme/admin/assignment", data=_rule_form(
        name="Nurture", min_score="0", max_score="74", target="owner", member_ids=[], owner_id=str(nurture),
        task_title="Send the newsletter", task_due_days="14", countries="Germany, austria, germany"))
    with org_context(org_a.id):
        rules = db.session.scalars(sa.select(AssignmentRule).order_by(AssignmentRule.position)).all()
        assert [(r.name, r.target, r.owner_id, r.countries) for r in rules] == [
            ("Senior reps", "round_robin", None, []), ("Nurture", "owner", nurture, ["Germany", "austria"])]
        senior, nurture_rule = rules[0].id, rules[1].id
    page = text_of(admin_a.get("/acme/admin/assignment"))
    assert "Scores 75 to 100: in turn to Sales Rep; task “Call within a day” due in 1 day." in page
    assert admin_a.post(f"/acme/admin/assignment/{senior}", data=_rule_form(max_score="99")).status_code == 302
    admin_a.post(f"/acme/admin/assignment/{nurture_rule}/move", data={"direction": "up"})
    with org_context(org_a.id):
        names = db.session.scalars(sa.select(AssignmentRule.name).order_by(AssignmentRule.position)).all()
        assert names == ["Nurture", "Senior reps"]
        assert db.session.get(AssignmentRule, senior).max_score == 99
    admin_a.post(f"/acme/admin/assignment/{senior}/delete")
    with org_context(org_a.id):
        assert db.session.scalars(sa.select(AssignmentRule.name)).all() == ["Nurture"]


@pytest.mark.parametrize("changes, message", [
    ({"member_ids": ["999999"]}, "Pick the members from the list: 1 of those picked is not an active member here."),
    ({"member_ids": []}, "Pick at least one member to take turns with these leads."),
    ({"min_score": "80", "max_score": "70"}, "The lowest score (80) is above the highest (70); swap them."),
    ({"max_score": "101"}, "The highest score must be from 0 to 100; 101 is out of range."),
    ({"task_due_days": "-1"}, "The days until the task is due must be from 0 to 365; -1 is out of range."),
    ({"target": "owner", "owner_id": "abc"}, "Pick the owner from the list of active members."),
    ({"source": "fax"}, "Choose the source from the list"),
    ({"name": ""}, "Enter the rule name."),
])
def test_bad_rules_are_refused_with_a_clear_422(admin_a, org_a, changes, message):
    response = admin_a.post("/acme/admin/assignment", data=_rule_form(**changes), headers=HX)
    assert response.status_code == 422
    assert message in text_of(response)
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AssignmentRule)) == 0


def test_a_member_of_another_organization_cannot_be_picked(admin_a, org_a, org_b):
    response = admin_a.post("/acme/admin/assignment", data=_rule_form(member_ids=[str(user_id("sales.rep@bravo.example"))]))
    assert response.status_code == 422


def test_another_organizations_rule_is_404(admin_a, org_a, org_b):
    with org_context(org_b.id):
        rule = AssignmentRule(name="B's", min_score=0, max_score=100, target="owner",
                              owner_id=user_id("admin@bravo.example"), task_title="x", task_due_days=1)
        db.session.add(rule)
        db.session.commit()
        rule_id = rule.id
    for url in (f"/acme/admin/assignment/{rule_id}", f"/acme/admin/assignment/{rule_id}/move",
                f"/acme/admin/assignment/{rule_id}/delete"):
        assert admin_a.post(url, data=_rule_form(direction="up")).status_code == 404
    with org_context(org_b.id):
        assert db.session.get(AssignmentRule, rule_id).name == "B's"
