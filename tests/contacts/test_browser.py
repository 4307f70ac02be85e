"""Contacts in a real browser: create (with the duplicate warning), emails and the company
picker swapped in place by htmx, search as you type, delete and undo."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.contacts.support import make_company
from tests.contacts.support import make_contact
from tests.helpers import make_org

pytestmark = pytest.mark.browser


def test_create_warn_about_a_duplicate_then_create_anyway(live_server, page):  # noqa: F811
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        make_contact(org, "Grace", "Hopper", email="grace@navy.example")
    sign_in_directly(page, "admin@acme.example", then="/acme/contacts/new")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email", exact=True).fill(" GRACE@navy.example ")
    page.get_by_label("Phone", exact=True).fill("+44 20 7946 0958")
    mark_page(page)
    page.get_by_role("button", name="Create contact").click()
    warning = page.get_by_role("alert").filter(has_text="This may be a duplicate")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name="Grace Hopper")).to_be_visible()
    assert_no_full_reload(page)
    expect(page.get_by_label("First name")).to_have_value("Ada")
    warning.get_by_role("button", name="Create anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.locator("#phones")).to_contain_text("+44 20 7946 0958")
    expect(page.locator("#emails")).to_contain_text("grace@navy.example")


def test_emails_company_picker_and_inline_edit_swap_in_place(live_server, page):  # noqa: F811
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        make_company(org, "US Navy")
        make_company(org, "Analytical Engines")
        contact_id = make_contact(org, "Grace", "Hopper", email="grace@navy.example")
    sign_in_directly(page, "admin@acme.example", then=f"/acme/contacts/{contact_id}")
    mark_page(page)

    emails = page.locator("#emails")
    emails.get_by_label("Add an email address").fill("not an email")
    emails.get_by_role("button", name="Add email").click()
    expect(emails).to_contain_text("is not a valid email address")
    emails.get_by_label("Add an email address").fill("Grace@Home.example")
    emails.get_by_label("Make it the primary email").check()
    emails.get_by_role("button", name="Add email").click()
    expect_toast(page, "Added grace@home.example.")
    expect(emails.locator("li").first).to_contain_text("grace@home.example")
    expect(emails.locator("li").first).to_contain_text("Primary")
    page.once("dialog", lambda dialog: dialog.accept())
    emails.locator("li", has_text="grace@navy.example").get_by_role("button", name="Remove").click()
    expect_toast(page, "Removed grace@navy.example.")
    expect(emails.locator("li")).to_have_count(1)

    page.locator("#details").get_by_role("button", name="Edit").click()
    page.get_by_label("Title").fill("Rear Admiral")
    page.get_by_label("Find a company").fill("us n")  # the start of the name: "navy" alone no longer finds it
    expect(page.locator("#f-company_id option", has_text="Analytical Engines")).to_have_count(0)
    page.locator("#f-company_id").select_option(label="US Navy")
    page.get_by_role("button", name="Save").click()
    expect_toast(page, "Contact saved.")
    details = page.locator("#details")
    expect(details.get_by_role("link", name="US Navy")).to_be_visible()
    expect(details).to_contain_text("Rear Admiral")
    assert_no_full_reload(page)


def test_search_as_you_type_then_delete_and_undo(live_server, page):  # noqa: F811
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        make_contact(org, "Grace", "Hopper", phone="+14155550100")
        make_contact(org, "Ada", "Lovelace")
    sign_in_directly(page, "admin@acme.example", then="/acme/contacts/")
    mark_page(page)
    page.get_by_label("Search contacts").fill("415 555")
    expect(page.locator("#results")).to_contain_text("1 contact")
    expect(page.locator("#results").get_by_role("link", name="Grace Hopper")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=415(\+|%20)555"))
    assert_no_full_reload(page)

    page.locator("#results").get_by_role("link", name="Grace Hopper").click()
    page.get_by_role("button", name="Delete contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    flash = page.locator("form.flash", has_text="Deleted Grace Hopper.")
    expect(flash).to_be_visible()
    flash.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    expect(page.get_by_text("Restored Grace Hopper.")).to_be_visible()
