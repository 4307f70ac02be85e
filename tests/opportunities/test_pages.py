"""The opportunity pages: new, record page, inline edit, delete and Undo, permissions, isolation."""

import json

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Interaction
from crm.models import Note
from crm.models import Opportunity
from crm.models import OpportunityStageChange
from crm.models import Task
from tests.helpers import add_member
from tests.helpers import counted
from tests.helpers import tenant
from tests.helpers import text_of
from tests.opportunities.records_support import make_pipeline
from tests.opportunities.records_support import stages_by_kind

HX = {"HX-Request": "true"}


@pytest.fixture
def deals(org_a):
    return make_pipeline(org_a)


def _signed_in(app, email):
    client = app.test_client()
    assert client.login(email).status_code == 302
    return client


def _opportunities(org) -> list:
    """The organization's deals as plain rows (nothing to refresh once the block is left)."""
    with tenant(org) as s:
        return s.execute(sa.select(Opportunity.id, Opportunity.stage_id, Opportunity.probability)
                         .order_by(Opportunity.id)).all()


def test_create_from_the_form_opens_the_record_with_its_first_history_row(admin_a, org_a):
    with tenant(org_a):
        first = stages_by_kind()["open"][0]
        first_id, first_name, first_probability = first.id, first.name, first.probability
    response = admin_a.post("/acme/opportunities/new", data={"name": "Initech licences", "value": "12,000",
                                                              "expected_close_on": "2026-06-30", "probability": ""})
    assert response.status_code == 303
    [created] = _opportunities(org_a)
    assert response.headers["Location"].endswith(f"/acme/opportunities/{created.id}")
    assert created.stage_id == first_id and created.probability is None
    with tenant(org_a) as s:
        history = s.scalars(sa.select(OpportunityStageChange)).all()
        assert [(h.from_stage_name, h.to_stage_name) for h in history] == [(None, first_name)]
    text = text_of(admin_a.get(response.headers["Location"]))
    assert "USD 12,000.00" in text and f"{first_probability}% (from the stage)" in text
    assert "Opportunity Initech licences created" in text


@pytest.mark.parametrize("field, value, message", [
    ("value", "-100", "cannot be negative"),
    ("value", "lots", "as a number"),
    ("probability", "101", "whole number from 0 to 100"),
    ("expected_close_on", "soon", "must be a date like 2026-03-31"),
    ("stage_id", "999999999", "Choose one of your pipeline"),
    ("name", "", "Enter the name"),
])
def test_the_form_refuses_bad_input_with_422_and_saves_nothing(admin_a, org_a, field, value, message):
    data = {"name": "Deal", field: value}
    response = admin_a.post("/acme/opportunities/new", data=data, headers=HX)
    assert response.status_code == 422
    assert message in text_of(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _opportunities(org_a) == []


def test_another_organizations_stage_company_and_contact_are_refused_by_the_form(admin_a, org_a, org_b):
    with tenant(org_b) as s:
        from crm.models import Company, Contact

        company = Company(name="Bravo only")
        s.add(company)
        s.flush()
        contact = Contact(first_name="Bea", company_id=company.id)
        s.add(contact)
        s.commit()
        stage_b, company_b, contact_b = stages_by_kind()["open"][0].id, company.id, contact.id
    for field, value, message in (("stage_id", stage_b, "Choose one of your pipeline"),
                                  ("company_id", company_b, "That company is not in this organization"),
                                  ("contact_id", contact_b, "That contact is not in this organization")):
        response = admin_a.post("/acme/opportunities/new", data={"name": "Steal", field: str(value)}, headers=HX)
        assert response.status_code == 422 and message in text_of(response)
    assert _opportunities(org_a) == []


def test_the_record_page_shows_the_figures_links_and_override(admin_a, deals):
    text = text_of(admin_a.get(f"/acme/opportunities/{deals.ids['bravo']}"))
    assert "90% (overridden; the stage says" in text and "USD 2,250.45" in text
    text = text_of(admin_a.get(f"/acme/opportunities/{deals.ids['alpha']}"))
    assert "Globex Corporation" in text and "Hank Scorpio" in text and "(from the stage)" in text
    text = text_of(admin_a.get(f"/acme/opportunities/{deals.ids['delta']}"))
    # Closed 1 January 03:00 UTC: 31 December in New York.
    assert "31 Dec 2025" in text and "Won reason Price" in text


def test_the_inline_edit_saves_and_refuses(admin_a, org_a, deals):
    url = f"/acme/opportunities/{deals.ids['charlie']}"
    form = admin_a.get(url + "/edit", headers=HX)
    assert form.status_code == 200 and 'name="probability"' in form.get_data(as_text=True)
    bad = admin_a.post(url, data={"name": "Charlie pilot", "value": "-1"}, headers=HX)
    assert bad.status_code == 422 and "cannot be negative" in text_of(bad)
    good = admin_a.post(url, data={"name": "Charlie pilot", "value": "450.25", "probability": "55",
                                   "competitor": "Acme CRM"}, headers=HX)
    assert good.status_code == 200
    assert json.loads(good.headers["HX-Trigger"])["toast"]["message"] == "Opportunity saved."
    assert "USD 450.25" in text_of(good) and "55% (overridden" in text_of(good)
    with tenant(org_a) as s:
        saved = s.get(Opportunity, deals.ids["charlie"])
        assert (str(saved.value), saved.probability, saved.competitor) == ("450.25", 55, "Acme CRM")


def test_changing_the_company_takes_the_activity_along(admin_a, org_a, deals):
    url = f"/acme/opportunities/{deals.ids['alpha']}"
    admin_a.post(f"/acme/activity/opportunities/{deals.ids['alpha']}/notes", data={"body": "Call them"}, headers=HX)
    with tenant(org_a) as s:
        from crm.models import Company

        initech = Company(name="Initech")
        s.add(initech)
        s.commit()
        initech_id = initech.id
    assert admin_a.post(url, data={"company_id": str(initech_id)}, headers=HX).status_code == 200
    with tenant(org_a) as s:
        note = s.scalar(sa.select(Note))
        assert note.company_id == initech_id and note.opportunity_id == deals.ids["alpha"]
        assert s.get(Opportunity, deals.ids["alpha"]).contact_id is None  # Hank works at Globex
    assert "Call them" in text_of(admin_a.get(f"/acme/companies/{initech_id}"))
    assert "Call them" not in text_of(admin_a.get(f"/acme/companies/{deals.company}"))


def test_delete_then_undo(admin_a, org_a, deals):
    url = f"/acme/opportunities/{deals.ids['alpha']}"
    response = admin_a.post(url + "/delete", headers=HX)
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert toast["message"] == "Deleted Alpha renewal."
    assert admin_a.get(url).status_code == 404
    assert "Alpha renewal" not in text_of(admin_a.get("/acme/opportunities/"))
    assert admin_a.post(toast["undo"], headers=HX).status_code == 200
    assert admin_a.get(url).status_code == 200


def test_roles_without_edit_get_403_on_every_write(app, deals):
    marketing = _signed_in(app, "marketing.manager@acme.example")  # opportunities.view only
    url = f"/acme/opportunities/{deals.ids['alpha']}"
    assert marketing.get("/acme/opportunities/").status_code == 200
    assert marketing.get(url).status_code == 200
    assert "Edit" not in text_of(marketing.get(url)).split("Delete")[0][-200:]
    for method, path in (("get", "/acme/opportunities/new"), ("post", "/acme/opportunities/new"),
                         ("get", url + "/edit"), ("post", url), ("post", url + "/delete"),
                         ("post", url + "/restore"), ("get", "/acme/opportunities/contact-options")):
        assert getattr(marketing, method)(path, data={"name": "X"} if method == "post" else None).status_code == 403, path


def test_roles_without_view_get_403_on_reads(app, org_a, deals):
    add_member(org_a, "support@acme.example", "Support Agent")
    support = _signed_in(app, "support@acme.example")
    for path in ("/acme/opportunities/", f"/acme/opportunities/{deals.ids['alpha']}",
                 f"/acme/opportunities/{deals.ids['alpha']}/details", "/acme/opportunities/export.csv"):
        assert support.get(path).status_code == 403, path
    company_page = text_of(support.get(f"/acme/companies/{deals.company}"))
    assert "Globex Corporation" in company_page and "Alpha renewal" not in company_page


def test_another_organizations_deal_is_404(app, org_a, org_b, deals):
    bravo = _signed_in(app, "admin@bravo.example")
    url = f"/bravo/opportunities/{deals.ids['alpha']}"
    for method, path in (("get", url), ("get", url + "/edit"), ("post", url), ("post", url + "/delete"),
                         ("post", url + "/restore")):
        assert getattr(bravo, method)(path).status_code == 404, path
    assert "Alpha renewal" not in text_of(bravo.get("/bravo/opportunities/"))
    assert "Alpha renewal" not in bravo.get("/bravo/opportunities/export.csv").get_data(as_text=True)


def test_company_and_contact_pages_list_their_opportunities(admin_a, deals):
    company = text_of(admin_a.get(f"/acme/companies/{deals.company}"))
    assert "Opportunities (1)" in company and "Alpha renewal" in company and "USD 1,000.00" in company
    contact = text_of(admin_a.get(f"/acme/contacts/{deals.contact}"))
    assert "Opportunities (1)" in contact and "Alpha renewal" in contact
    form = admin_a.get(f"/acme/opportunities/new?contact_id={deals.contact}").get_data(as_text=True)
    assert f'<option value="{deals.company}" selected>' in form and f'<option value="{deals.contact}" selected>' in form


def _page_queries(client, url) -> int:
    with counted() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_record_page_takes_the_same_queries_with_lots_of_activity(admin_a, org_a, deals):
    url = f"/acme/opportunities/{deals.ids['alpha']}"
    quiet = _page_queries(admin_a, url)
    from tests.activity.support import add_activity
    from tests.activity.support import TAG_LINKS
    from crm.models import OpportunityTag

    TAG_LINKS.setdefault("opportunity", (OpportunityTag, "opportunity_id"))
    users = [deals.rep, deals.manager]
    with tenant(org_a) as s:
        add_activity(s, "opportunity", deals.ids["alpha"], 25, users, [], "busy")
        s.commit()
    busy = _page_queries(admin_a, url)
    assert quiet == busy, f"{quiet} queries with no activity, {busy} with 25 of everything"
    assert busy <= 20, busy
    text = text_of(admin_a.get(url))
    assert "Call 24" in text and "Note 24" in text and "Task 24" in text and "busy-24" in text


def test_company_page_queries_do_not_grow_with_its_opportunities(admin_a, org_a, deals):
    url = f"/acme/companies/{deals.company}"
    few = _page_queries(admin_a, url)
    with tenant(org_a) as s:
        stage = stages_by_kind()["open"][0]
        s.add_all(Opportunity(name=f"Deal {i}", stage_id=stage.id, company_id=deals.company) for i in range(20))
        s.commit()
    assert _page_queries(admin_a, url) == few


def test_nothing_is_left_over_in_other_tables_after_a_refusal(admin_a, org_a):
    admin_a.post("/acme/opportunities/new", data={"name": "Deal", "value": "-1"})
    with tenant(org_a) as s:
        for model in (Opportunity, OpportunityStageChange, ActivityEvent, Interaction, Task):
            assert s.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model


def test_assigning_a_deal_to_someone_else_notifies_them(admin_a, org_a, deals):
    from crm.models import Notification

    response = admin_a.post("/acme/opportunities/new", data={"name": "Handed over", "owner_id": str(deals.rep)})
    assert response.status_code == 303
    created = response.headers["Location"].rsplit("/", 1)[1]
    admin_a.post(f"/acme/opportunities/{deals.ids['charlie']}", data={"owner_id": str(deals.manager)}, headers=HX)
    admin_a.post(f"/acme/opportunities/{deals.ids['charlie']}", data={"competitor": "Nobody"}, headers=HX)
    with tenant(org_a) as s:
        notes = s.scalars(sa.select(Notification).where(Notification.kind == "assigned")
                          .order_by(Notification.id)).all()
        assert [(n.user_id, n.link) for n in notes] == [
            (deals.rep, f"/acme/opportunities/{created}"),
            (deals.manager, f"/acme/opportunities/{deals.ids['charlie']}")]
        assert "Handed over" in notes[0].message


def test_with_line_items_the_value_is_theirs_and_read_only(admin_a, org_a, deals):
    from crm.models import OpportunityLineItem

    alpha = deals.ids["alpha"]
    with tenant(org_a) as s:
        s.add(OpportunityLineItem(opportunity_id=alpha, name="Seats", quantity=1, unit_price=1000))
        s.commit()
    form = admin_a.get(f"/acme/opportunities/{alpha}/edit", headers=HX).get_data(as_text=True)
    assert 'id="f-value" value="1000.00" readonly' in form and 'name="value"' not in form
    refused = admin_a.post(f"/acme/opportunities/{alpha}", data={"value": "5"}, headers=HX)
    assert refused.status_code == 422 and "total of the line items" in text_of(refused)
    assert admin_a.post(f"/acme/opportunities/{alpha}", data={"name": "Alpha renewal 2"}, headers=HX).status_code == 200


def test_a_closed_deal_keeps_its_reason(admin_a, org_a, deals):
    response = admin_a.post(f"/acme/opportunities/{deals.ids['delta']}", data={"close_reason": ""}, headers=HX)
    assert response.status_code == 422 and "keeps the reason it was won" in text_of(response)
    created = admin_a.post("/acme/opportunities/new", data={"name": "Won at once", "stage_id": str(deals.won)},
                           headers=HX)
    assert created.status_code == 422 and "needs the reason it was won" in text_of(created)
    created = admin_a.post("/acme/opportunities/new", data={"name": "Won at once", "stage_id": str(deals.won),
                                                            "close_reason": "Signed on the spot"})
    assert created.status_code == 303


def test_a_contact_without_a_company_survives_an_untouched_edit(admin_a, org_a, deals):
    from crm.models import Contact

    with tenant(org_a) as s:
        loner = Contact(first_name="Solo", last_name="Person")
        s.add(loner)
        s.flush()
        s.get(Opportunity, deals.ids["charlie"]).contact_id = loner.id
        s.commit()
        loner_id = loner.id
    form = admin_a.get(f"/acme/opportunities/{deals.ids['charlie']}/edit", headers=HX).get_data(as_text=True)
    assert f'<option value="{loner_id}" selected>Solo Person</option>' in form
