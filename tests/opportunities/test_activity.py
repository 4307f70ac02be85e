"""The activity panel on an opportunity: interactions, notes with mentions, tasks, tags and the
timeline; rows carry the deal's company, so the company's page shows them too."""

import json

import pytest
import sqlalchemy as sa

from crm.models import Interaction
from crm.models import Note
from crm.models import Notification
from crm.models import OpportunityTag
from crm.models import Tag
from crm.models import Task
from tests.helpers import tenant
from tests.helpers import text_of
from tests.opportunities.records_support import make_pipeline

HX = {"HX-Request": "true"}
CALL = {"kind": "call", "subject": "Pricing call", "body": "Went through the quote.", "occurred_at": "2026-01-20T10:00"}


@pytest.fixture
def deals(org_a):
    return make_pipeline(org_a)


def panel_url(opportunity_id: int, suffix: str) -> str:
    return f"/acme/activity/opportunities/{opportunity_id}/{suffix}"


def test_an_interaction_on_a_deal_shows_on_the_deal_and_its_company(admin_a, org_a, deals):
    alpha = deals.ids["alpha"]
    response = admin_a.post(panel_url(alpha, "interactions"), data=CALL, headers=HX)
    assert response.status_code == 200 and "Pricing call" in text_of(response)
    with tenant(org_a) as s:
        interaction = s.scalar(sa.select(Interaction))
        assert (interaction.opportunity_id, interaction.company_id, interaction.contact_id) == \
            (alpha, deals.company, None)
    assert "Pricing call" in text_of(admin_a.get(f"/acme/opportunities/{alpha}"))
    company_page = text_of(admin_a.get(f"/acme/companies/{deals.company}"))
    assert "Pricing call" in company_page and "on deal Alpha renewal" in company_page
    assert "Pricing call" not in text_of(admin_a.get(f"/acme/opportunities/{deals.ids['bravo']}"))
    timeline = text_of(admin_a.get(panel_url(alpha, "timeline"), headers=HX))
    assert "Call logged: “Pricing call”" in timeline


def test_a_deal_without_a_company_keeps_its_activity_to_itself(admin_a, org_a, deals):
    charlie = deals.ids["charlie"]
    admin_a.post(panel_url(charlie, "notes"), data={"body": "Only here"}, headers=HX)
    with tenant(org_a) as s:
        note = s.scalar(sa.select(Note))
        assert note.opportunity_id == charlie and note.company_id is None


def test_a_mention_in_a_note_on_a_deal_links_to_the_deal(admin_a, org_a, deals):
    alpha = deals.ids["alpha"]
    response = admin_a.post(panel_url(alpha, "notes"), data={"body": "@sales.rep@acme.example please call"},
                            headers=HX)
    assert response.status_code == 200
    with tenant(org_a) as s:
        [notification] = s.scalars(sa.select(Notification).where(Notification.kind == "mention")).all()
        assert notification.user_id == deals.rep
        assert notification.link == f"/acme/opportunities/{alpha}"
        assert "Alpha renewal" in notification.message


def test_a_task_on_a_deal_is_in_my_tasks_under_the_deals_name(app, org_a, deals):
    client = app.test_client()
    client.login("sales.rep@acme.example")
    alpha = deals.ids["alpha"]
    response = client.post(panel_url(alpha, "tasks"), data={"title": "Send the quote", "due_on": "2030-01-01",
                                                            "assignee_id": str(deals.rep)}, headers=HX)
    assert response.status_code == 200
    mine = client.get("/acme/activity/tasks/mine").get_data(as_text=True)
    assert "Send the quote" in mine and "Alpha renewal" in mine and f"/acme/opportunities/{alpha}" in mine
    with tenant(org_a) as s:
        assert s.scalar(sa.select(Task)).opportunity_id == alpha
    # Deleting the deal takes its tasks out of the list.
    client.post(f"/acme/opportunities/{alpha}/delete")
    assert "Send the quote" not in client.get("/acme/activity/tasks/mine").get_data(as_text=True)


def test_tag_a_deal_and_take_it_off(admin_a, org_a, deals):
    alpha = deals.ids["alpha"]
    response = admin_a.post(f"/acme/activity/opportunities/{alpha}/tags", data={"name": "Strategic"}, headers=HX)
    assert response.status_code == 200 and "Strategic" in text_of(response)
    with tenant(org_a) as s:
        tag = s.scalar(sa.select(Tag))
        assert s.scalar(sa.select(OpportunityTag.opportunity_id).where(OpportunityTag.tag_id == tag.id)) == alpha
        tag_id = tag.id
    removed = admin_a.post(f"/acme/activity/opportunities/{alpha}/tags/{tag_id}/remove", headers=HX)
    undo = json.loads(removed.headers["HX-Trigger"])["toast"]["undo"]
    assert admin_a.post(undo, headers=HX).status_code == 200
    company_timeline = text_of(admin_a.get(f"/acme/activity/companies/{deals.company}/timeline", headers=HX))
    assert "Tagged Strategic (opportunity Alpha renewal)" in company_timeline
    # The tag admin page counts the deal.
    assert "Strategic" in text_of(admin_a.get("/acme/activity/tags"))


def test_a_role_that_cannot_edit_deals_cannot_tag_them(app, org_a, deals):
    marketing = app.test_client()
    marketing.login("marketing.manager@acme.example")
    alpha = deals.ids["alpha"]
    assert marketing.post(f"/acme/activity/opportunities/{alpha}/tags", data={"name": "X"}, headers=HX).status_code == 403


def test_another_organizations_deal_has_no_panel(app, org_a, org_b, deals):
    bravo = app.test_client()
    bravo.login("admin@bravo.example")
    alpha = deals.ids["alpha"]
    assert bravo.get(f"/bravo/activity/opportunities/{alpha}/activity").status_code == 404
    assert bravo.post(f"/bravo/activity/opportunities/{alpha}/notes", data={"body": "x"}, headers=HX).status_code == 404
    with tenant(org_a) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Note)) == 0
