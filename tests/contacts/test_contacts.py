"""Contacts: create, edit, delete and undo; emails and phones with one primary; validation and
permissions; the list's search, filters, sort, pages, bulk actions and export."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import ContactTag
from crm.models import Role
from crm.models import Tag
from crm.models import User
from tenants.context import org_context
from tests.contacts.support import HX
from tests.contacts.support import RESULTS
from tests.contacts.support import contact_count
from tests.contacts.support import create
from tests.contacts.support import find
from tests.contacts.support import make_company
from tests.contacts.support import make_contact
from tests.helpers import add_member
from tests.helpers import text_of


def _events(org, contact_id) -> list[str]:
    with org_context(org.id):
        return db.session.scalars(sa.select(ActivityEvent.kind).where(ActivityEvent.contact_id == contact_id)
                                  .order_by(ActivityEvent.id)).all()


# Create

def test_create_with_an_email_and_a_phone_opens_the_contact(admin_a, org_a):
    company_id = make_company(org_a, "Analytical Engines")
    response = create(admin_a, email="  Ada@Example.COM ", phone="+44 20 7946 0958", title="Countess",
                      company_id=str(company_id), preferred_contact_method="email")
    assert response.status_code == 303
    contact = find(org_a, "Lovelace")
    assert response.location.endswith(f"/acme/contacts/{contact.id}")
    assert contact.email == "ada@example.com" and contact.phone == "+442079460958"
    assert [(e.email, e.is_primary) for e in contact.emails] == [("ada@example.com", True)]
    assert [(p.number, p.is_primary) for p in contact.phones] == [("+442079460958", True)]
    assert _events(org_a, contact.id) == ["created"]
    html = admin_a.get(response.location).get_data(as_text=True)
    assert '<option value="personal"' in html and '<option value="home"' in html
    page = text_of(admin_a.get(response.location))
    assert "Ada Lovelace" in page and "Countess" in page and "Analytical Engines" in page
    assert "+44 20 7946 0958" in page and "ada@example.com" in page and "Email" in page


def test_a_contact_needs_no_email_or_phone(admin_a, org_a):
    assert create(admin_a, first_name="", last_name="Babbage").status_code == 303
    contact = find(org_a, "Babbage")
    assert contact.email is None and contact.phone is None and contact.emails == [] and contact.phones == []


@pytest.mark.parametrize("typed, stored", [
    ("+44 20 7946 0958", "+442079460958"),
    ("(415) 555-0100", "+14155550100"),
    ("415.555.0100", "+14155550100"),
    ("+1 415 555 0100", "+14155550100"),
    ("+49 30 901820", "+4930901820"),
])
def test_phones_are_stored_in_e164(admin_a, org_a, typed, stored):
    assert create(admin_a, phone=typed).status_code == 303
    assert find(org_a, "Lovelace").phone == stored


def test_the_new_form_can_start_with_a_company(admin_a, org_a, org_b):
    company_id = make_company(org_a, "Analytical Engines")
    html = admin_a.get(f"/acme/contacts/new?company_id={company_id}").get_data(as_text=True)
    assert re.search(rf'<option value="{company_id}"\s+selected>Analytical Engines</option>', html)
    foreign_id = make_company(org_b, "Bravo Secret")
    response = admin_a.get(f"/acme/contacts/new?company_id={foreign_id}")
    assert response.status_code == 200 and "Bravo Secret" not in response.get_data(as_text=True)
    assert admin_a.get("/acme/contacts/new?company_id=" + "9" * 40).status_code == 200


def test_the_company_picker_searches_this_organizations_companies(admin_a, org_a, org_b):
    make_company(org_a, "Analytical Engines")
    make_company(org_a, "Difference Ltd")
    make_company(org_b, "Analytical Bravo")
    html = admin_a.get("/acme/contacts/company-options?company_q=analyt", headers=HX).get_data(as_text=True)
    assert "Analytical Engines" in html and "Difference Ltd" not in html and "Bravo" not in html


# Validation

@pytest.mark.parametrize("fields, message", [
    ({"first_name": "", "last_name": ""}, "Enter a first name or a last name"),
    ({"first_name": "x" * 101}, "Keep the first name to 100 characters or fewer"),
    ({"last_name": "x" * 101}, "Keep the last name to 100 characters or fewer"),
    ({"title": "x" * 121}, "Keep the title to 120 characters or fewer"),
    ({"email": "not-an-email"}, "is not a valid email address"),
    ({"email": "a" * 250 + "@example.com"}, "too long"),
    ({"email_kind": "fax"}, "Choose the email type from the list"),
    ({"phone": "12"}, "is not a valid phone number"),
    ({"phone": "call me maybe"}, "is not a valid phone number"),
    ({"phone": "1" * 41}, "That phone number is too long"),
    ({"phone_kind": "pager"}, "Choose the phone type from the list"),
    ({"preferred_contact_method": "pigeon"}, "Choose the preferred contact method from the list"),
    ({"owner_id": "999999"}, "not an active member"),
    ({"owner_id": "abc"}, "Pick an owner"),
    ({"company_id": "abc"}, "Pick a company from the list"),
    ({"company_id": "999999"}, "That company is not in this organization"),
    ({"company_id": "9" * 30}, "That company is not in this organization"),
])
def test_invalid_contact_is_refused_with_a_message_and_nothing_written(admin_a, org_a, fields, message):
    response = create(admin_a, **{"email": "ada@example.com", **fields}, headers=HX)
    assert response.status_code == 422
    assert message in text_of(response)
    assert 'id="new-contact"' in response.get_data(as_text=True) and "<html" not in response.get_data(as_text=True)
    assert contact_count(org_a) == 0
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactEmail)) == 0


def test_a_company_of_another_organization_is_refused_clearly(admin_a, org_a, org_b):
    foreign_id = make_company(org_b, "Bravo Secret")
    response = create(admin_a, company_id=str(foreign_id))
    assert response.status_code == 422
    assert "That company is not in this organization" in text_of(response)
    assert "Bravo Secret" not in text_of(response)
    assert contact_count(org_a) == 0
    contact_id = make_contact(org_a, "Grace", "Hopper")
    edit = admin_a.post(f"/acme/contacts/{contact_id}", headers=HX, data={"last_name": "Hopper", "company_id": str(foreign_id)})
    assert edit.status_code == 422 and "That company is not in this organization" in text_of(edit)
    assert find(org_a, "Hopper").company_id is None


def test_a_member_of_another_organization_cannot_own_a_contact(admin_a, org_a, org_b):
    stranger = db.session.scalar(sa.select(User.id).where(User.email == "admin@bravo.example"))
    response = create(admin_a, owner_id=str(stranger))
    assert response.status_code == 422 and "not an active member" in text_of(response)
    assert contact_count(org_a) == 0


# Edit, delete, undo

def test_inline_edit_saves_and_shows_the_details_again(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper")
    company_id = make_company(org_a, "Navy")
    rep = db.session.scalar(sa.select(User.id).where(User.email == "sales.rep@acme.example"))
    form = admin_a.get(f"/acme/contacts/{contact_id}/edit", headers=HX)
    assert form.status_code == 200 and 'name="first_name"' in form.get_data(as_text=True)
    response = admin_a.post(f"/acme/contacts/{contact_id}", headers=HX, data={
        "first_name": "Grace", "last_name": "Hopper", "title": "Rear Admiral", "company_id": str(company_id),
        "preferred_contact_method": "meeting", "owner_id": str(rep)})
    assert response.status_code == 200
    body = text_of(response)
    assert "<html" not in response.get_data(as_text=True)
    assert "Rear Admiral" in body and "Navy" in body and "Meeting" in body and "Sales Rep" in body
    assert "Contact saved" in response.headers["HX-Trigger"]
    contact = find(org_a, "Hopper")
    assert (contact.title, contact.company_id, contact.preferred_contact_method, contact.owner_id) == \
        ("Rear Admiral", company_id, "meeting", rep)
    assert _events(org_a, contact_id)[-1] == "updated"


def test_inline_edit_with_bad_input_returns_the_form_with_422(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper")
    response = admin_a.post(f"/acme/contacts/{contact_id}", headers=HX, data={"first_name": "", "last_name": ""})
    assert response.status_code == 422 and "Enter a first name or a last name" in text_of(response)
    assert 'name="last_name"' in response.get_data(as_text=True)
    assert find(org_a, "Hopper") is not None


def test_edit_without_javascript_shows_the_whole_page(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper")
    page = admin_a.get(f"/acme/contacts/{contact_id}/edit")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    saved = admin_a.post(f"/acme/contacts/{contact_id}", data={"first_name": "Amazing", "last_name": "Hopper"})
    assert saved.status_code == 303 and find(org_a, "Hopper").first_name == "Amazing"
    bad = admin_a.post(f"/acme/contacts/{contact_id}", data={"last_name": "x" * 101})
    assert bad.status_code == 422 and "<html" in bad.get_data(as_text=True) and "100 characters" in text_of(bad)


def test_last_contacted_is_read_only_here(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper")
    admin_a.post(f"/acme/contacts/{contact_id}", data={"last_name": "Hopper", "last_contacted_at": "2020-01-01T00:00"})
    assert find(org_a, "Hopper").last_contacted_at is None
    assert "Never" in text_of(admin_a.get(f"/acme/contacts/{contact_id}"))


def test_delete_hides_the_contact_and_undo_brings_it_back(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example")
    response = admin_a.post(f"/acme/contacts/{contact_id}/delete", headers=HX)
    assert response.status_code == 200
    assert f"/acme/contacts/{contact_id}/restore" in response.headers["HX-Trigger"]
    assert "Hopper" not in text_of(admin_a.get("/acme/contacts/", headers=RESULTS))
    assert admin_a.get(f"/acme/contacts/{contact_id}").status_code == 404
    assert admin_a.get(f"/acme/contacts/{contact_id}/details").status_code == 404
    restored = admin_a.post(f"/acme/contacts/{contact_id}/restore", headers=HX)
    assert restored.status_code == 200 and "Restored Grace Hopper" in restored.headers["HX-Trigger"]
    assert "Hopper" in text_of(admin_a.get("/acme/contacts/", headers=RESULTS))
    assert _events(org_a, contact_id)[-2:] == ["deleted", "restored"]


def test_delete_without_javascript_redirects_with_an_undo_button(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper")
    response = admin_a.post(f"/acme/contacts/{contact_id}/delete")
    assert response.status_code == 303
    page = admin_a.get(response.location)
    assert "Deleted Grace Hopper" in text_of(page) and f"/contacts/{contact_id}/restore" in page.get_data(as_text=True)


def test_undo_is_refused_long_after_the_delete(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper")
    admin_a.post(f"/acme/contacts/{contact_id}/delete")
    clock.travel(timedelta(hours=1))
    response = admin_a.post(f"/acme/contacts/{contact_id}/restore")
    assert response.status_code == 410 and "too long ago" in text_of(response)


def test_a_deleted_contact_is_not_a_duplicate(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example")
    admin_a.post(f"/acme/contacts/{contact_id}/delete")
    assert create(admin_a, email="grace@navy.example").status_code == 303


# Emails and phones

def _emails(org, last_name):
    contact = find(org, last_name)
    return contact.email, [(e.email, e.kind, e.is_primary) for e in sorted(contact.emails, key=lambda e: e.id)]


def test_several_emails_with_exactly_one_primary(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example")
    added = admin_a.post(f"/acme/contacts/{contact_id}/emails", headers=HX, data={"email": " G.Hopper@Home.example ", "kind": "personal"})
    assert added.status_code == 200 and "Added g.hopper@home.example" in added.headers["HX-Trigger"]
    assert 'id="emails"' in added.get_data(as_text=True) and "<html" not in added.get_data(as_text=True)
    assert _emails(org_a, "Hopper") == ("grace@navy.example", [("grace@navy.example", "work", True),
                                                               ("g.hopper@home.example", "personal", False)])
    admin_a.post(f"/acme/contacts/{contact_id}/emails", headers=HX,
                 data={"email": "grace@cobol.example", "kind": "other", "primary": "1"})
    primary, rows = _emails(org_a, "Hopper")
    assert primary == "grace@cobol.example" and [r[2] for r in rows] == [False, False, True]

    home = next(e.id for e in find(org_a, "Hopper").emails if e.email == "g.hopper@home.example")
    made = admin_a.post(f"/acme/contacts/{contact_id}/emails/primary", headers=HX, data={"email_id": str(home)})
    assert made.status_code == 200
    primary, rows = _emails(org_a, "Hopper")
    assert primary == "g.hopper@home.example" and [r[2] for r in rows] == [False, True, False]

    removed = admin_a.post(f"/acme/contacts/{contact_id}/emails/remove", headers=HX, data={"email_id": str(home)})
    assert removed.status_code == 200 and "Removed g.hopper@home.example" in removed.headers["HX-Trigger"]
    primary, rows = _emails(org_a, "Hopper")
    assert primary == "grace@navy.example" and rows == [("grace@navy.example", "work", True),
                                                         ("grace@cobol.example", "other", False)]
    for email_id in [e.id for e in find(org_a, "Hopper").emails]:
        admin_a.post(f"/acme/contacts/{contact_id}/emails/remove", headers=HX, data={"email_id": str(email_id)})
    assert _emails(org_a, "Hopper") == (None, [])
    assert {"email.added", "email.primary", "email.removed"} <= set(_events(org_a, contact_id))


def test_several_phones_normalised_with_exactly_one_primary(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper", phone="+14155550100")
    admin_a.post(f"/acme/contacts/{contact_id}/phones", headers=HX, data={"number": "+44 20 7946 0958", "kind": "work"})
    admin_a.post(f"/acme/contacts/{contact_id}/phones", headers=HX, data={"number": "(212) 555-0199", "kind": "home"})
    contact = find(org_a, "Hopper")
    assert contact.phone == "+14155550100"
    assert [(p.number, p.is_primary) for p in sorted(contact.phones, key=lambda p: p.id)] == \
        [("+14155550100", True), ("+442079460958", False), ("+12125550199", False)]
    london = next(p.id for p in contact.phones if p.number == "+442079460958")
    page = admin_a.post(f"/acme/contacts/{contact_id}/phones/primary", headers=HX, data={"phone_id": str(london)})
    assert "+44 20 7946 0958" in text_of(page)
    contact = find(org_a, "Hopper")
    assert contact.phone == "+442079460958" and sum(p.is_primary for p in contact.phones) == 1
    admin_a.post(f"/acme/contacts/{contact_id}/phones/remove", headers=HX, data={"phone_id": str(london)})
    contact = find(org_a, "Hopper")
    assert contact.phone == "+14155550100" and sum(p.is_primary for p in contact.phones) == 1


@pytest.mark.parametrize("path, data, message", [
    ("emails", {"email": "nope", "kind": "work"}, "is not a valid email address"),
    ("emails", {"email": "", "kind": "work"}, "Enter an email address"),
    ("emails", {"email": "grace@navy.example", "kind": "work"}, "already has the email address grace@navy.example"),
    ("emails", {"email": "GRACE@navy.example ", "kind": "work"}, "already has the email address"),
    ("emails", {"email": "new@navy.example", "kind": "carrier-pigeon"}, "Choose the email type from the list"),
    ("phones", {"number": "555", "kind": "work"}, "is not a valid phone number"),
    ("phones", {"number": "", "kind": "work"}, "Enter a phone number"),
    ("phones", {"number": "(415) 555-0100", "kind": "work"}, "already has the phone number +14155550100"),
    ("phones", {"number": "+44 20 7946 0958", "kind": "fax"}, "Choose the phone type from the list"),
])
def test_a_bad_email_or_phone_is_refused_in_place(admin_a, org_a, path, data, message):
    contact_id = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example", phone="+14155550100")
    response = admin_a.post(f"/acme/contacts/{contact_id}/{path}", headers=HX, data=data)
    assert response.status_code == 422 and message in text_of(response)
    assert f'id="{path}"' in response.get_data(as_text=True)
    contact = find(org_a, "Hopper")
    assert len(contact.emails) == 1 and len(contact.phones) == 1


def test_a_bad_email_without_javascript_shows_the_page_with_the_message(admin_a, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper")
    response = admin_a.post(f"/acme/contacts/{contact_id}/emails", data={"email": "nope", "kind": "work"})
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)
    assert "is not a valid email address" in text_of(response)
    ok = admin_a.post(f"/acme/contacts/{contact_id}/emails", data={"email": "ok@navy.example", "kind": "work"})
    assert ok.status_code == 303 and "Added ok@navy.example" in text_of(admin_a.get(ok.location))


def test_an_email_or_phone_of_another_contact_is_404(admin_a, org_a):
    grace = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example")
    other = make_contact(org_a, "Alan", "Turing", email="alan@bletchley.example", phone="+442079460958")
    alan = find(org_a, "Turing")
    email_id, phone_id = alan.emails[0].id, alan.phones[0].id
    assert admin_a.post(f"/acme/contacts/{grace}/emails/remove", data={"email_id": str(email_id)}).status_code == 404
    assert admin_a.post(f"/acme/contacts/{grace}/phones/primary", data={"phone_id": str(phone_id)}).status_code == 404
    assert admin_a.post(f"/acme/contacts/{grace}/emails/primary", data={"email_id": "x" * 30}).status_code == 404
    assert _emails(org_a, "Turing")[0] == "alan@bletchley.example"
    assert other


def test_hostile_text_is_shown_as_text(admin_a, org_a):
    hostile = '<script>alert(1)</script><img src=x onerror=alert(1)><a hx-get="/x" hx-trigger="load">'
    assert create(admin_a, first_name=hostile[:100], last_name="Hopper", title='" onmouseover="alert(1)').status_code == 303
    contact = find(org_a, "Hopper")
    for url in (f"/acme/contacts/{contact.id}", "/acme/contacts/", f"/acme/contacts/{contact.id}/edit",
                f"/acme/contacts/{contact.id}/merge"):
        html = admin_a.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and 'hx-get="/x"' not in html
        assert '" onmouseover="alert(1)' not in html


# Permissions

@pytest.mark.parametrize("email, role, can_view, can_edit, can_delete", [
    ("support@acme.example", "Support Agent", True, False, False),
    ("marketing.manager@acme.example", None, True, False, False),
    ("sales.rep@acme.example", None, True, True, False),
    ("sales.manager@acme.example", None, True, True, True),
])
def test_permissions_per_role(app, org_a, email, role, can_view, can_edit, can_delete):
    if role:
        add_member(org_a, email, role)
    contact_id = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example")
    other_id = make_contact(org_a, "Grace", "Hopper-Two")
    client = app.test_client()
    client.login(email)

    def allowed(response, ok=(200, 303)):
        assert response.status_code in (*ok, 403), response.status_code
        return response.status_code != 403

    assert allowed(client.get("/acme/contacts/")) == can_view
    assert allowed(client.get(f"/acme/contacts/{contact_id}")) == can_view
    assert allowed(client.get("/acme/contacts/export.csv")) == can_view
    assert allowed(client.get("/acme/contacts/new")) == can_edit
    assert allowed(client.post("/acme/contacts/", data={"last_name": "Rolecheck"})) == can_edit
    assert allowed(client.post(f"/acme/contacts/{contact_id}", data={"last_name": "Hopper", "title": "Changed"})) == can_edit
    assert allowed(client.post(f"/acme/contacts/{contact_id}/emails", data={"email": "x@navy.example"})) == can_edit
    assert allowed(client.get(f"/acme/contacts/{contact_id}/merge")) == (can_edit and can_delete)
    assert allowed(client.post(f"/acme/contacts/{contact_id}/merge", data={"other_id": str(other_id)})) == (can_edit and can_delete)
    assert allowed(client.post(f"/acme/contacts/{contact_id}/delete")) == can_delete
    page = client.get("/acme/contacts/" if can_view else "/acme/").get_data(as_text=True)
    assert ("New contact" in page) == can_edit
    if not can_edit:
        assert find(org_a, "Hopper").title is None and len(find(org_a, "Hopper").emails) == 1


def test_a_rep_cannot_bulk_delete(app, org_a):
    contact_id = make_contact(org_a, "Grace", "Hopper")
    rep = app.test_client()
    rep.login("sales.rep@acme.example")
    assert rep.post("/acme/contacts/bulk", data={"action": "delete", "ids": [str(contact_id)]}).status_code == 403
    assert find(org_a, "Hopper") is not None


def test_a_role_without_contacts_view_gets_403(client, org_a):
    with org_context(org_a.id):
        db.session.add(Role(name="Billing only", permissions=["dashboard.view", "invoices.view"]))
        db.session.commit()
    add_member(org_a, "billing@acme.example", "Billing only")
    contact_id = make_contact(org_a, "Grace", "Hopper")
    client.login("billing@acme.example")
    for url in ("/acme/contacts/", f"/acme/contacts/{contact_id}", "/acme/contacts/export.csv",
                f"/acme/contacts/{contact_id}/details"):
        assert client.get(url).status_code == 403, url


# Isolation

def test_a_contact_of_another_organization_is_404_everywhere(admin_a, org_a, org_b):
    theirs = make_contact(org_b, "Bravo", "Secret", email="secret@bravo.example", phone="+4930901820")
    ours = make_contact(org_a, "Grace", "Hopper")
    for method, url, data in [
        ("get", f"/acme/contacts/{theirs}", None), ("get", f"/acme/contacts/{theirs}/edit", None),
        ("get", f"/acme/contacts/{theirs}/details", None), ("get", f"/acme/contacts/{theirs}/merge", None),
        ("post", f"/acme/contacts/{theirs}", {"last_name": "Hacked"}),
        ("post", f"/acme/contacts/{theirs}/delete", {}), ("post", f"/acme/contacts/{theirs}/restore", {}),
        ("post", f"/acme/contacts/{theirs}/emails", {"email": "x@x.example"}),
        ("post", f"/acme/contacts/{theirs}/phones", {"number": "+14155550100"}),
        ("get", f"/acme/contacts/{ours}/merge?other_id={theirs}", None),
        ("post", f"/acme/contacts/{ours}/merge", {"other_id": str(theirs)}),
        ("post", f"/acme/contacts/{theirs}/merge", {"other_id": str(ours)}),
    ]:
        response = getattr(admin_a, method)(url, data=data) if data is not None else getattr(admin_a, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
    with org_context(org_b.id):
        contact = db.session.get(Contact, theirs)
        assert contact.last_name == "Secret" and contact.deleted_at is None and contact.merged_into_id is None
    bulk = admin_a.post("/acme/contacts/bulk", headers=HX, data={"action": "delete", "ids": [str(theirs)]})
    assert bulk.status_code == 200 and "None of the ticked contacts could be deleted" in bulk.headers["HX-Trigger"]
    listing = text_of(admin_a.get("/acme/contacts/?q=secret"))
    assert "Bravo" not in listing


def test_the_company_page_links_to_its_contacts(admin_a, org_a):
    company_id = make_company(org_a, "Navy")
    contact_id = make_contact(org_a, "Grace", "Hopper", company_id=company_id)
    html = admin_a.get(f"/acme/companies/{company_id}").get_data(as_text=True)
    assert f'href="/acme/contacts/{contact_id}"' in html


def test_a_deleted_company_is_not_linked_from_its_contacts(admin_a, org_a):
    company_id = make_company(org_a, "Navy")
    contact_id = make_contact(org_a, "Grace", "Hopper", company_id=company_id)
    admin_a.post(f"/acme/companies/{company_id}/delete")
    link = f'href="/acme/companies/{company_id}"'
    assert link not in admin_a.get(f"/acme/contacts/{contact_id}").get_data(as_text=True)
    listing = admin_a.get("/acme/contacts/").get_data(as_text=True)
    assert "Hopper" in listing and link not in listing
    admin_a.post(f"/acme/companies/{company_id}/restore")
    assert link in admin_a.get(f"/acme/contacts/{contact_id}").get_data(as_text=True)


@pytest.mark.parametrize("method, url, data", [
    ("get", "/acme/contacts/" + "9" * 25, None),
    ("get", "/acme/contacts/" + "9" * 25 + "/edit", None),
    ("post", "/acme/contacts/", {"last_name": "X", "owner_id": "9" * 25}),
    ("post", "/acme/contacts/bulk", {"action": "assign", "owner_id": "9" * 25, "ids": ["1"]}),
    ("post", "/acme/contacts/bulk", {"action": "delete", "ids": ["9" * 25]}),
])
def test_ids_too_big_for_the_database_are_a_clear_answer_not_a_500(admin_a, org_a, method, url, data):
    response = getattr(admin_a, method)(url, data=data) if data else getattr(admin_a, method)(url)
    assert response.status_code in (404, 422)
    assert contact_count(org_a) == 0
