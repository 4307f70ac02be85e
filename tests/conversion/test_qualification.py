"""Qualifying a lead: the four BANT fields on its page, the Qualify action and the status rule."""

from decimal import Decimal

import pytest

from tests.conversion.support import HX
from tests.conversion.support import event_kinds
from tests.conversion.support import lead
from tests.conversion.support import make_lead
from tests.helpers import text_of


def test_the_lead_page_shows_the_qualification_and_a_qualify_button(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False, budget=Decimal("12500"), need="A CRM")
    page = text_of(admin_a.get(f"/acme/leads/{lead_id}"))
    assert "Qualification" in page and "USD 12,500.00" in page and "A CRM" in page
    assert "Not yet: fill in authority, timeline" in page
    assert "Qualify" in page and "Convert" not in page


def test_inline_edit_of_the_qualification_saves_and_shows_it_again(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False)
    form = admin_a.get(f"/acme/leads/{lead_id}/qualification/edit", headers=HX)
    assert form.status_code == 200 and 'name="budget"' in form.get_data(as_text=True)
    assert "<html" not in form.get_data(as_text=True)
    response = admin_a.post(f"/acme/leads/{lead_id}/qualification", headers=HX, data={
        "budget": "25,000.50", "authority": "The CFO", "need": "Forecasting", "timeline": "Before June"})
    assert response.status_code == 200
    assert "USD 25,000.50" in text_of(response) and "Qualification saved" in response.headers["HX-Trigger"]
    saved = lead(org_a, lead_id)
    assert (saved.budget, saved.authority, saved.need, saved.timeline) == (
        Decimal("25000.50"), "The CFO", "Forecasting", "Before June")
    assert saved.status == "working" and saved.qualified_at is None
    assert event_kinds(org_a, lead_id=lead_id)[-1] == "updated"


def test_qualification_form_without_javascript_redirects(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False)
    assert "<html" in admin_a.get(f"/acme/leads/{lead_id}/qualification/edit").get_data(as_text=True)
    response = admin_a.post(f"/acme/leads/{lead_id}/qualification", data={"budget": "10"})
    assert response.status_code == 303 and response.location.endswith(f"/acme/leads/{lead_id}")


@pytest.mark.parametrize("budget, message", [
    ("-5", "The budget cannot be negative"),
    ("lots", "Enter the budget as an amount"),
    ("NaN", "Enter the budget as an amount"),
    ("1e400", "too large"),
    ("12.345", "at most two decimals"),
    ("1" * 40, "Enter the budget as an amount"),
    ("12\x00", "Enter the budget as an amount"),
])
def test_a_bad_budget_is_refused_with_422_and_nothing_saved(admin_a, org_a, budget, message):
    lead_id = make_lead(org_a, qualified=False, budget=Decimal("100"))
    response = admin_a.post(f"/acme/leads/{lead_id}/qualification", headers=HX, data={"budget": budget})
    assert response.status_code == 422
    assert message in text_of(response)
    assert lead(org_a, lead_id).budget == Decimal("100")


def test_qualify_refuses_and_names_what_is_missing(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False, authority="The CEO", need="A CRM")
    response = admin_a.post(f"/acme/leads/{lead_id}/qualify", headers=HX)
    assert response.status_code == 422
    assert "Fill in budget and timeline before qualifying." in text_of(response)
    assert lead(org_a, lead_id).status == "working"


def test_qualify_sets_the_status_and_the_date_and_offers_conversion(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False, budget=Decimal("0"), authority="The CEO", need="A CRM",
                        timeline="Soon")
    response = admin_a.post(f"/acme/leads/{lead_id}/qualify", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is qualified" in response.headers["HX-Trigger"]
    assert 'id="details"' in html and 'hx-swap-oob="true"' in html  # the status beside it changes too
    assert "Convert" in text_of(response)
    saved = lead(org_a, lead_id)
    assert saved.status == "qualified" and saved.qualified_at is not None
    assert event_kinds(org_a, lead_id=lead_id)[-1] == "qualified"
    again = admin_a.post(f"/acme/leads/{lead_id}/qualify", headers=HX)
    assert again.status_code == 422 and "already qualified" in text_of(again)


def test_qualify_without_javascript_flashes_the_refusal(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False)
    response = admin_a.post(f"/acme/leads/{lead_id}/qualify")
    assert response.status_code == 303
    page = text_of(admin_a.get(response.location))
    assert "Fill in budget, authority, need and timeline before qualifying." in page


def test_the_edit_form_obeys_the_same_rule(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False, budget=Decimal("5"))
    data = {"first_name": "Ada", "last_name": "Lovelace", "status": "qualified"}
    refused = admin_a.post(f"/acme/leads/{lead_id}", headers=HX, data=data)
    assert refused.status_code == 422
    assert "Fill in authority, need and timeline before qualifying." in text_of(refused)
    assert lead(org_a, lead_id).status == "working"

    admin_a.post(f"/acme/leads/{lead_id}/qualification", headers=HX,
                 data={"budget": "5", "authority": "CEO", "need": "CRM", "timeline": "Q3"})
    saved = admin_a.post(f"/acme/leads/{lead_id}", headers=HX, data=data)
    assert saved.status_code == 200
    assert 'id="qualification"' in saved.get_data(as_text=True)  # swapped out of band: Convert appears
    assert lead(org_a, lead_id).status == "qualified" and lead(org_a, lead_id).qualified_at is not None

    back = admin_a.post(f"/acme/leads/{lead_id}", headers=HX, data={**data, "status": "working"})
    assert back.status_code == 200
    assert lead(org_a, lead_id).qualified_at is None


def test_a_new_lead_cannot_be_created_qualified(admin_a, org_a):
    response = admin_a.post("/acme/leads/", data={"first_name": "Ada", "status": "qualified"})
    assert response.status_code == 422
    assert "A new lead cannot be qualified yet" in text_of(response)


def test_a_qualified_lead_keeps_all_four_fields(admin_a, org_a):
    lead_id = make_lead(org_a)
    response = admin_a.post(f"/acme/leads/{lead_id}/qualification", headers=HX,
                            data={"budget": "", "authority": "x", "need": "y", "timeline": ""})
    assert response.status_code == 422
    assert "A qualified lead needs its budget and timeline" in text_of(response)
    assert lead(org_a, lead_id).budget == Decimal("12000.00")


def test_a_converted_lead_cannot_change_status_or_qualification(admin_a, org_a):
    lead_id = make_lead(org_a, status="converted")
    edit = admin_a.post(f"/acme/leads/{lead_id}", headers=HX,
                        data={"first_name": "Ada", "last_name": "Lovelace", "status": "working"})
    assert edit.status_code == 422 and "has been converted" in text_of(edit)
    bant = admin_a.post(f"/acme/leads/{lead_id}/qualification", headers=HX, data={"budget": "1"})
    assert bant.status_code == 422 and "has been converted" in text_of(bant)
    qualify = admin_a.post(f"/acme/leads/{lead_id}/qualify", headers=HX)
    assert qualify.status_code == 422 and "already been converted" in text_of(qualify)
    page = text_of(admin_a.get(f"/acme/leads/{lead_id}"))
    assert "Edit qualification" not in page
    assert lead(org_a, lead_id).status == "converted"


def test_qualifying_needs_leads_edit(client, org_a, app):
    from tests.helpers import add_member

    add_member(org_a, "support@acme.example", "Support Agent")
    lead_id = make_lead(org_a, qualified=False)
    assert client.login("support@acme.example").status_code == 302
    for url in (f"/acme/leads/{lead_id}/qualify", f"/acme/leads/{lead_id}/qualification"):
        assert client.post(url).status_code == 403
    assert client.get(f"/acme/leads/{lead_id}/qualification/edit").status_code == 403


def test_another_organizations_lead_is_404(admin_a, org_a, org_b):
    other = make_lead(org_b, owner_id=None)
    for url in (f"/acme/leads/{other}/qualify", f"/acme/leads/{other}/qualification"):
        assert admin_a.post(url).status_code == 404
    assert admin_a.get(f"/acme/leads/{other}/qualification/edit").status_code == 404
    assert lead(org_b, other).status == "qualified"
