"""Converting a qualified lead: the page's offers, everything carried over, links both ways,
refusals, atomicity, permissions and isolation."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import Opportunity
from crm.services import ServiceError
from crm.services import conversion
from tests.conversion.support import BANT
from tests.conversion.support import add_history
from tests.conversion.support import carried
from tests.conversion.support import convert_form
from tests.conversion.support import counts
from tests.conversion.support import event_kinds
from tests.conversion.support import first_open_stage
from tests.conversion.support import lead
from tests.conversion.support import make_lead
from tests.conversion.support import user_id
from tests.helpers import counted
from tests.helpers import tenant
from tests.helpers import text_of as raw_text_of

NOTHING = {"companies": 0, "contacts": 0, "opportunities": 0}


def text_of(response) -> str:
    """What the reader sees: the page's text with entities (&#39;) read back."""
    from html import unescape

    return unescape(raw_text_of(response))


def _company(org, **fields) -> int:
    with tenant(org) as s:
        company = Company(**fields)
        s.add(company)
        s.commit()
        return company.id


def _contact(org, company_id: int, email: str, **fields) -> int:
    with tenant(org) as s:
        contact = Contact(company_id=company_id, email=email, **fields)
        s.add(contact)
        s.flush()
        s.add(ContactEmail(contact_id=contact.id, email=email, is_primary=True))
        s.commit()
        return contact.id


def _radio(html: str, name: str, value) -> str:
    """The radio input for this choice ('' when it is not offered)."""
    import re

    found = re.search(rf'<input type="radio" name="{name}" value="{value}"[^>]*>', html)
    return found.group(0) if found else ""


def test_the_page_offers_a_new_company_and_contact_with_defaults(admin_a, org_a):
    lead_id = make_lead(org_a)
    response = admin_a.get(f"/acme/leads/{lead_id}/convert")
    assert response.status_code == 200
    html, page = response.get_data(as_text=True), text_of(response)
    assert "checked" in _radio(html, "company", "new") and "Create new company Analytical Engines" in page
    assert "checked" in _radio(html, "contact", "new") and "Create new contact Ada Lovelace" in page
    assert 'value="Analytical Engines - Ada Lovelace"' in html
    assert 'value="12000.00"' in html
    assert f'<option value="{first_open_stage(org_a)}" selected' in html
    assert f'<option value="{user_id(org_a, "sales.rep@acme.example")}" selected' in html
    assert "Link to existing" not in page


def test_convert_creates_company_contact_and_opportunity_and_carries_everything_over(admin_a, org_a):
    lead_id = make_lead(org_a)
    history = add_history(org_a, lead_id)
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a))
    assert response.status_code == 303 and response.location.endswith(f"/acme/leads/{lead_id}")
    assert counts(org_a) == {"companies": 1, "contacts": 1, "opportunities": 1}

    converted = lead(org_a, lead_id)
    assert converted.status == "converted" and converted.converted_at is not None
    rep = user_id(org_a, "sales.rep@acme.example")
    with tenant(org_a) as s:
        company = s.get(Company, converted.converted_company_id)
        contact = s.get(Contact, converted.converted_contact_id)
        deal = s.get(Opportunity, converted.converted_opportunity_id)
        emails = s.scalars(sa.select(ContactEmail.email).where(ContactEmail.contact_id == contact.id)).all()
        assert (company.name, company.domain, company.lifecycle_stage, company.owner_id) == (
            "Analytical Engines", "analytical.example", "opportunity", rep)
        assert (contact.first_name, contact.last_name, contact.title, contact.email, contact.phone,
                contact.company_id, contact.owner_id) == (
            "Ada", "Lovelace", "Countess", "ada@analytical.example", "+14155550100", company.id, rep)
        assert emails == ["ada@analytical.example"]
        assert contact.last_contacted_at is not None
        assert (deal.name, deal.value, deal.company_id, deal.contact_id, deal.lead_id, deal.stage_id, deal.owner_id,
                str(deal.expected_close_on), deal.source) == (
            "Analytical Engines - Ada Lovelace", Decimal("12000.00"), company.id, contact.id, lead_id,
            first_open_stage(org_a), rep, "2030-06-30", "referral")
        company, contact, deal = (SimpleNamespace(id=row.id) for row in (company, contact, deal))
    moved = carried(org_a, lead_id)
    assert moved["links"] == {(lead_id, contact.id, company.id, deal.id)}
    assert moved["contact_tags"] == moved["opportunity_tags"] == history.tag_ids
    assert "converted" in event_kinds(org_a, lead_id=lead_id)
    assert "created" in event_kinds(org_a, company_id=company.id)
    assert "created" in event_kinds(org_a, contact_id=contact.id)

    page = admin_a.get(f"/acme/leads/{lead_id}")
    html, text = page.get_data(as_text=True), text_of(page)
    assert "converted: Analytical Engines, Ada Lovelace and the opportunity" in text
    assert f'href="/acme/companies/{company.id}"' in html and f'href="/acme/contacts/{contact.id}"' in html
    assert "Analytical Engines - Ada Lovelace" in text and "Converted on" in text
    # The lead's timeline still shows its history, and so does the contact's page.
    assert "Discovery call" in text
    contact_page = admin_a.get(f"/acme/contacts/{contact.id}")
    assert "Discovery call" in text_of(contact_page) and "Converted from lead Ada Lovelace" in text_of(contact_page)
    assert f'href="/acme/leads/{lead_id}"' in contact_page.get_data(as_text=True)


def test_an_existing_company_is_found_by_email_domain_and_linked(admin_a, org_a):
    company_id = _company(org_a, name="AE Holdings", domain="analytical.example", lifecycle_stage="lead")
    contact_id = _contact(org_a, company_id, "ada@analytical.example", first_name="Ada", last_name="L.")
    lead_id = make_lead(org_a)
    add_history(org_a, lead_id)
    html = admin_a.get(f"/acme/leads/{lead_id}/convert").get_data(as_text=True)
    assert "checked" in _radio(html, "company", company_id) and "checked" not in _radio(html, "company", "new")
    assert "Link to existing company" in html and "AE Holdings" in html
    assert "checked" in _radio(html, "contact", contact_id)

    response = admin_a.post(f"/acme/leads/{lead_id}/convert",
                            data=convert_form(org_a, company=str(company_id), contact=str(contact_id)))
    assert response.status_code == 303
    assert counts(org_a) == {"companies": 1, "contacts": 1, "opportunities": 1}
    converted = lead(org_a, lead_id)
    assert (converted.converted_company_id, converted.converted_contact_id) == (company_id, contact_id)
    with tenant(org_a) as s:
        assert s.get(Company, company_id).lifecycle_stage == "opportunity"
    assert carried(org_a, lead_id)["contact_tags"]
    assert "converted" in event_kinds(org_a, contact_id=contact_id)


def test_an_existing_company_is_found_by_name_ignoring_case_but_not_by_free_mail(admin_a, org_a):
    by_name = _company(org_a, name="ANALYTICAL ENGINES", lifecycle_stage="customer")
    free = _company(org_a, name="Google", domain="gmail.com")
    lead_id = make_lead(org_a, email="ada.lovelace@gmail.com")
    html = admin_a.get(f"/acme/leads/{lead_id}/convert").get_data(as_text=True)
    assert _radio(html, "company", by_name) and not _radio(html, "company", free)
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a, company=str(by_name)))
    assert response.status_code == 303
    with tenant(org_a) as s:
        assert s.get(Company, by_name).lifecycle_stage == "customer"  # never moved backwards
    assert counts(org_a) == {"companies": 2, "contacts": 1, "opportunities": 1}


def test_a_contact_of_another_company_cannot_be_linked(admin_a, org_a):
    elsewhere = _company(org_a, name="Elsewhere")
    contact_id = _contact(org_a, elsewhere, "ada@analytical.example", first_name="Ada")
    lead_id = make_lead(org_a)
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a, contact=str(contact_id)))
    assert response.status_code == 422
    assert "Ada is not at Analytical Engines" in text_of(response)
    assert counts(org_a) == {"companies": 1, "contacts": 1, "opportunities": 0}
    assert lead(org_a, lead_id).status == "qualified"


def test_an_unqualified_lead_is_refused_with_what_is_missing(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False, budget=Decimal("10"), authority="CEO")
    page = admin_a.get(f"/acme/leads/{lead_id}/convert")
    assert page.status_code == 200
    assert "Qualify the lead before converting it: fill in need and timeline, then qualify it." in text_of(page)
    assert 'name="company"' not in page.get_data(as_text=True)
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a))
    assert response.status_code == 409
    assert "Qualify the lead before converting it" in text_of(response)
    assert counts(org_a) == NOTHING


def test_a_complete_but_unqualified_lead_is_refused_too(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False, **BANT)
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a))
    assert response.status_code == 409
    assert "Qualify the lead before converting it: use Qualify on the lead's page." in text_of(response)


def test_a_lead_marked_qualified_without_its_qualification_is_refused(admin_a, org_a):
    lead_id = make_lead(org_a, qualified=False, status="qualified", budget=Decimal("10"))
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a))
    assert response.status_code == 409
    assert "Qualify the lead before converting it: fill in authority, need and timeline first." in text_of(response)
    assert counts(org_a) == NOTHING


def test_converting_twice_is_refused_with_links_to_what_it_became(admin_a, org_a):
    lead_id = make_lead(org_a)
    assert admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a)).status_code == 303
    converted = lead(org_a, lead_id)
    again = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a))
    assert again.status_code == 409
    text = text_of(again)
    assert f"This lead was converted on {converted.converted_at:%Y-%m-%d}" in text
    assert f'href="/acme/companies/{converted.converted_company_id}"' in again.get_data(as_text=True)
    assert counts(org_a) == {"companies": 1, "contacts": 1, "opportunities": 1}
    assert "This lead was converted on" in text_of(admin_a.get(f"/acme/leads/{lead_id}/convert"))
    admin_a.post(f"/acme/contacts/{converted.converted_contact_id}/delete")
    page = text_of(admin_a.get(f"/acme/leads/{lead_id}"))
    assert "a contact since deleted" in page


def test_a_deleted_lead_is_404(admin_a, org_a):
    from crm import clock

    lead_id = make_lead(org_a, deleted_at=clock.now())
    assert admin_a.get(f"/acme/leads/{lead_id}/convert").status_code == 404
    assert admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a)).status_code == 404
    assert counts(org_a) == NOTHING


@pytest.mark.parametrize("fields, message", [
    ({"company": "new", "company_name": ""}, "Enter the new company's name."),
    ({"company_name": "Bad\x00name"}, "control character"),
    ({"company": "abc"}, "Pick one of the companies offered"),
    ({"company": "9" * 30}, "Pick one of the companies offered"),
    ({"contact": "-1"}, "Pick the contact offered"),
])
def test_bad_choices_are_refused_with_422_and_nothing_written(admin_a, org_a, fields, message):
    lead_id = make_lead(org_a)
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a, **fields))
    assert response.status_code == 422
    assert message in text_of(response)
    assert counts(org_a) == NOTHING
    assert lead(org_a, lead_id).status == "qualified"


def test_another_organizations_company_is_never_linked(admin_a, org_a, org_b):
    theirs = _company(org_b, name="Analytical Engines", domain="analytical.example")
    lead_id = make_lead(org_a)
    assert not _radio(admin_a.get(f"/acme/leads/{lead_id}/convert").get_data(as_text=True), "company", theirs)
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a, company=str(theirs)))
    assert response.status_code == 422 and "not in this organization" in text_of(response)
    assert counts(org_a) == NOTHING and counts(org_b)["opportunities"] == 0


def test_another_organizations_lead_is_404(admin_a, org_a, org_b):
    theirs = make_lead(org_b, owner_id=None)
    assert admin_a.get(f"/acme/leads/{theirs}/convert").status_code == 404
    assert admin_a.post(f"/acme/leads/{theirs}/convert", data=convert_form(org_a)).status_code == 404
    assert lead(org_b, theirs).status == "qualified" and counts(org_b) == NOTHING


def test_an_opportunity_refusal_rolls_everything_back_and_shows_by_its_field(admin_a, org_a):
    lead_id = make_lead(org_a)
    add_history(org_a, lead_id)
    response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a, value="-5"))
    assert response.status_code == 422
    assert counts(org_a) == NOTHING
    assert lead(org_a, lead_id).status == "qualified"
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


@pytest.mark.parametrize("error", [ServiceError("The deal could not be saved."), RuntimeError("disk full")])
def test_a_failure_after_everything_was_created_leaves_nothing_behind(app, admin_a, org_a, monkeypatch, error):
    lead_id = make_lead(org_a)
    add_history(org_a, lead_id)
    created = []

    def fail(lead_row, company, contact, opportunity):
        created.append((company.id, contact.id, opportunity.id))
        raise error

    monkeypatch.setattr(conversion, "_carry_over", fail)
    if isinstance(error, ServiceError):
        response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a))
        assert response.status_code == 422 and "The deal could not be saved." in text_of(response)
    else:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        response = admin_a.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a))
        assert response.status_code == 500
    assert created and all(created[0])  # the failure came after all three rows existed
    assert counts(org_a) == NOTHING
    converted = lead(org_a, lead_id)
    assert (converted.status, converted.converted_at, converted.converted_company_id) == ("qualified", None, None)
    assert carried(org_a, lead_id)["links"] == {(lead_id, None, None, None)}


def test_sales_rep_and_marketing_manager_may_not_convert(rep_client, org_a, app):
    lead_id = make_lead(org_a)
    assert rep_client.get(f"/acme/leads/{lead_id}/convert").status_code == 403
    assert rep_client.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a)).status_code == 403
    assert "Convert" not in text_of(rep_client.get(f"/acme/leads/{lead_id}"))
    marketing = app.test_client()
    marketing.login("marketing.manager@acme.example")
    assert marketing.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a)).status_code == 403
    assert counts(org_a) == NOTHING


def test_a_sales_development_rep_qualifies_and_converts(sdr_client, org_a):
    lead_id = make_lead(org_a, qualified=False, **BANT)
    assert sdr_client.post(f"/acme/leads/{lead_id}/qualify").status_code == 303
    assert "Convert" in text_of(sdr_client.get(f"/acme/leads/{lead_id}"))
    response = sdr_client.post(f"/acme/leads/{lead_id}/convert", data=convert_form(org_a))
    assert response.status_code == 303
    assert counts(org_a) == {"companies": 1, "contacts": 1, "opportunities": 1}


def test_the_convert_page_costs_the_same_queries_with_1_or_10_matches(admin_a, org_a):
    def page_queries(lead_id):
        with counted() as statements:
            response = admin_a.get(f"/acme/leads/{lead_id}/convert")
        assert response.status_code == 200
        return len(statements), response

    one = make_lead(org_a, email="ada@one.example", company_name="One Ltd")
    company = _company(org_a, name="One Ltd")
    _contact(org_a, company, "ada@one.example", first_name="Ada")
    ten = make_lead(org_a, email="ada@ten.example", company_name="Ten Ltd")
    for i in range(10):
        company = _company(org_a, name="Ten Ltd" if i % 2 else f"Ten {i}", domain="ten.example" if i % 2 == 0 else None)
        _contact(org_a, company, "ada@ten.example", first_name=f"Ada {i}")
    few, _ = page_queries(one)
    many, response = page_queries(ten)
    assert text_of(response).count("Link to existing company") == 10
    assert text_of(response).count("Link to existing contact") == 10
    assert few == many
