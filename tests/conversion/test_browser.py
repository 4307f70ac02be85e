"""Qualifying and converting a lead in a real browser: the qualification edited in place, a
refused Qualify, Qualify swapping the status beside it, then the convert page at phone width."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from crm.models import Lead
from tests.browser.flows import MOBILE
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.helpers import make_org
from tests.helpers import tenant

pytestmark = pytest.mark.browser


def test_qualify_in_place_then_convert_at_phone_width(live_server, new_page):
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        with tenant(org) as s:
            lead = Lead(first_name="Ada", last_name="Lovelace", email="ada@analytical.example",
                        company_name="Analytical Engines", status="working", authority="The Countess")
            s.add(lead)
            s.commit()
            lead_id = lead.id
    page = new_page(MOBILE)
    sign_in_directly(page, "admin@acme.example", then=f"/acme/leads/{lead_id}")
    mark_page(page)
    section = page.locator("#qualification")

    section.get_by_role("button", name="Qualify").click()
    expect(section.get_by_role("alert")).to_have_text("Fill in budget, need and timeline before qualifying.")

    section.get_by_role("button", name="Edit qualification").click()
    page.get_by_label("Budget (USD)").fill("12,000")
    page.get_by_label("Need").fill("Replace the spreadsheets")
    page.get_by_label("Timeline: by when").fill("This quarter")
    page.get_by_role("button", name="Save").click()
    expect_toast(page, "Qualification saved.")
    expect(section).to_contain_text("USD 12,000.00")

    section.get_by_role("button", name="Qualify").click()
    expect_toast(page, "Ada Lovelace is qualified.")
    expect(page.locator("#details")).to_contain_text("qualified")  # swapped out of band
    expect(page.locator("#activity-timeline")).to_contain_text("Lead Ada Lovelace qualified")
    assert_no_full_reload(page)

    section.get_by_role("button", name="Convert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Convert Ada Lovelace")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Analytical Engines - Ada Lovelace")
    expect(page.get_by_label("Value (USD)")).to_have_value("12000.00")
    page.get_by_role("button", name="Convert lead").click()
    expect(page.locator(".flash-success")).to_contain_text("Ada Lovelace converted")
    converted = page.locator("#qualification .converted-to")
    expect(converted.get_by_role("link", name="Analytical Engines", exact=True)).to_be_visible()
    expect(converted.get_by_role("link", name="Analytical Engines - Ada Lovelace")).to_be_visible()
    converted.get_by_role("link", name="Ada Lovelace", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    back = page.locator(".record-head").get_by_role("link", name="Ada Lovelace", exact=True)
    expect(back).to_have_attribute("href", f"/acme/leads/{lead_id}")
