"""The daily round of a sales rep, in a real browser: a company, a contact, an interaction,
the timeline, an inline edit, search as you type, and undoing a delete."""

import re

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from crm.models import Lead
from tenants.context import org_context
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.helpers import make_org

pytestmark = pytest.mark.browser


def test_company_contact_interaction_timeline_edit_search_and_undo(live_server, page):
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        with org_context(org.id):
            db.session.add_all([Lead(first_name="Zed", last_name="Zebra", email="zed@zoo.example"),
                                Lead(first_name="Amy", last_name="Apple", email="amy@orchard.example")])
            db.session.commit()

    sign_in_directly(page, "admin@acme.example", then="/acme/companies/new")
    page.get_by_label("Name").first.fill("Initech")
    page.get_by_role("button", name="Create company").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    company_url = page.url

    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("First name").fill("Peter")
    page.get_by_label("Last name").fill("Gibbons")
    page.get_by_label("Email", exact=True).fill("peter@initech.example")
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Peter Gibbons")

    mark_page(page)
    interactions = page.locator("#activity-interactions")
    interactions.get_by_text("Log interaction").first.click()
    interactions.get_by_label("Subject").fill("TPS report review")
    interactions.get_by_role("button", name="Log interaction").click()
    expect_toast(page, "Call logged.")
    assert_no_full_reload(page)

    page.goto(company_url)
    expect(page.locator("#activity-timeline")).to_contain_text("TPS report review")

    mark_page(page)
    page.locator("#details").get_by_role("button", name="Edit").click()
    page.locator("#details").get_by_label("Industry").fill("Software")
    page.locator("#details").get_by_role("button", name="Save").click()
    expect(page.locator("#details")).to_contain_text("Software")
    expect_toast(page, "Company saved.")
    assert_no_full_reload(page)

    page.goto(live_server.url + "/acme/leads/")
    mark_page(page)
    expect(page.locator("#results")).to_contain_text("Amy Apple")
    page.locator("#q").press_sequentially("zeb", delay=30)
    expect(page.locator("#results")).not_to_contain_text("Amy Apple")
    expect(page.locator("#results")).to_contain_text("Zed Zebra")
    expect(page).to_have_url(re.compile(r"/acme/leads/\?(.*&)?q=zeb(&|$)"))
    assert_no_full_reload(page)

    page.goto(company_url)
    page.get_by_role("button", name="Delete company").click()
    expect(page.locator("main")).to_contain_text("Deleted Initech.")
    expect(page.locator("#results")).not_to_contain_text("Initech")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    expect(page.locator("main")).to_contain_text("Restored Initech.")
