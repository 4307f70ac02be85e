"""Who may do what in the activity panel, and other organizations' ids (always 404)."""

import pytest
import sqlalchemy as sa

from crm import clock
from crm.models import Company
from crm.models import Interaction
from crm.models import Note
from crm.models import Role
from crm.models import Tag
from crm.models import Task
from tests.activity.support import HX
from tests.activity.support import INTERACTION
from tests.activity.support import count
from tests.activity.support import make_records
from tests.activity.support import rows
from tests.activity.support import tenant
from tests.activity.support import url
from tests.helpers import add_member
from tests.helpers import text_of


@pytest.fixture
def support_agent(client, org_a):
    add_member(org_a, "support@acme.example", "Support Agent")
    client.login("support@acme.example")
    return client


def test_a_support_agent_logs_interactions_notes_and_tasks_but_does_not_manage_tags(support_agent, org_a, recs):
    assert support_agent.post(url("contact", recs.contact, "interactions"), data=INTERACTION, headers=HX).status_code == 200
    assert support_agent.post(url("company", recs.company, "notes"), data={"body": "Ticket #4"}, headers=HX).status_code == 200
    assert support_agent.post(url("company", recs.company, "tasks"), data={"title": "Check"}, headers=HX).status_code == 200
    assert support_agent.get("/acme/activity/tags").status_code == 403
    assert support_agent.post("/acme/activity/tags", data={"name": "Nope"}, headers=HX).status_code == 403
    assert support_agent.post(url("company", recs.company, "tags"), data={"name": "Nope"}, headers=HX).status_code == 403
    assert count(org_a, Tag) == 0


def test_a_support_agent_cannot_reach_leads_they_may_not_see(support_agent, org_a, recs):
    response = support_agent.post(url("lead", recs.lead, "interactions"), data=INTERACTION, headers=HX)
    assert response.status_code == 403 and "see leads" in text_of(response)
    assert support_agent.get(url("lead", recs.lead, "timeline"), headers=HX).status_code == 403
    assert count(org_a, Interaction) == 0


def test_a_role_without_interactions_log_gets_403_and_sees_no_forms(client, org_a, recs):
    client.login("marketing.manager@acme.example")  # interactions.view and .log: neither
    for action, data in (("interactions", INTERACTION), ("notes", {"body": "x"}), ("tasks", {"title": "x"})):
        response = client.post(url("company", recs.company, action), data=data, headers=HX)
        assert response.status_code == 403, action
        assert "log interactions, notes and tasks" in text_of(response)
    assert client.get(url("company", recs.company, "timeline"), headers=HX).status_code == 403
    assert count(org_a, Interaction) == count(org_a, Note) == count(org_a, Task) == 0


def test_a_viewer_without_log_sees_the_panel_without_forms(client, org_a, recs):
    with tenant(org_a) as s:
        s.add(Interaction(kind="call", subject="Intro call", company_id=recs.company))
        role = s.scalar(sa.select(Role).where(Role.name == "Account Manager"))
        role.permissions = [p for p in role.permissions if p != "interactions.log"]
        s.commit()
    add_member(org_a, "viewer@acme.example", "Account Manager")
    client.login("viewer@acme.example")
    html = client.get(url("company", recs.company, "activity")).get_data(as_text=True)
    assert "Intro call" in html
    assert "Log interaction" not in html and "Add note" not in html and "Add task" not in html and ">Delete<" not in html
    [saved] = rows(org_a, Interaction)
    assert client.post(f"/acme/activity/interactions/{saved['id']}/delete", headers=HX).status_code == 403


def test_a_sales_rep_may_tag_companies_but_a_sdr_may_not(client, org_a, recs):
    with tenant(org_a) as s:
        tag = Tag(name="VIP")
        s.add(tag)
        s.commit()
        tag_id = tag.id
    client.login("sales.rep@acme.example")
    assert client.post(url("company", recs.company, "tags"), data={"tag_id": tag_id}, headers=HX).status_code == 200
    client.logout()
    add_member(org_a, "sdr@acme.example", "Sales Development Rep")
    client.login("sdr@acme.example")
    assert client.post(url("company", recs.company, f"tags/{tag_id}/remove"), headers=HX).status_code == 403
    assert client.post(url("lead", recs.lead, "tags"), data={"tag_id": tag_id}, headers=HX).status_code == 200


def test_every_activity_url_with_an_id_of_another_organization_is_404(app, admin_a, org_a, org_b, recs):
    theirs = make_records(org_b)
    with tenant(org_b) as s:
        items = [Interaction(kind="call", subject="Secret", company_id=theirs.company), Note(body="Secret", lead_id=theirs.lead),
                 Task(title="Secret", contact_id=theirs.contact), Tag(name="Secret")]
        s.add_all(items)
        s.commit()
        i, n, t, g = (x.id for x in items)
    requests = [
        ("GET", url("company", theirs.company, "activity")), ("GET", url("contact", theirs.contact, "timeline")),
        ("POST", url("lead", theirs.lead, "interactions")), ("POST", url("company", theirs.company, "notes")),
        ("POST", url("contact", theirs.contact, "tasks")), ("POST", url("company", theirs.company, "tags")),
        ("POST", url("company", recs.company, f"tags/{g}/remove")),
        ("POST", f"/acme/activity/interactions/{i}"), ("POST", f"/acme/activity/interactions/{i}/delete"),
        ("POST", f"/acme/activity/interactions/{i}/restore"), ("POST", f"/acme/activity/notes/{n}"),
        ("POST", f"/acme/activity/notes/{n}/pin"), ("POST", f"/acme/activity/notes/{n}/delete"),
        ("POST", f"/acme/activity/notes/{n}/restore"), ("POST", f"/acme/activity/tasks/{t}"),
        ("POST", f"/acme/activity/tasks/{t}/done"), ("POST", f"/acme/activity/tasks/{t}/delete"),
        ("POST", f"/acme/activity/tasks/{t}/restore"), ("POST", f"/acme/activity/tags/{g}"),
        ("POST", f"/acme/activity/tags/{g}/delete"),
    ]
    for method, address in requests:
        response = admin_a.open(address, method=method, data={"body": "x", "title": "x", "subject": "x", "kind": "call",
                                                              "done": "1", "pinned": "1", "name": "x"}, headers=HX)
        assert response.status_code == 404, (method, address, response.status_code)
        assert "Secret" not in response.get_data(as_text=True)
    with tenant(org_b) as s:
        assert s.scalars(sa.select(Interaction.subject)).all() == ["Secret"]
        assert s.get(Task, t).done_at is None and s.get(Note, n).pinned is False
    assert count(org_a, Interaction) == count(org_a, Note) == count(org_a, Task) == 0


def test_a_deleted_record_has_no_activity_routes(admin_a, org_a, recs):
    with tenant(org_a) as s:
        s.get(Company, recs.company).deleted_at = clock.now()
        s.commit()
    assert admin_a.post(url("company", recs.company, "interactions"), data=INTERACTION, headers=HX).status_code == 404
    assert admin_a.get(url("company", recs.company, "timeline"), headers=HX).status_code == 404
    assert count(org_a, Interaction) == 0
