"""In chromium: the catalogue edited in place, and line items changing the deal's value on its
page without a reload (desktop and phone width)."""

import pytest
from playwright.sync_api import expect

from tests.browser.flows import MOBILE
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.helpers import make_org
from tests.products.support import make_deal

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [None, MOBILE], ids=["desktop", "mobile"])
def test_catalogue_and_line_items(live_server, new_page, viewport):
    with live_server.seeding():
        org = make_org("acme", "admin@acme.example", "Acme Inc")[0]
        deal = make_deal(org, "Globex renewal", value="500")
        currency = org.currency
    page = new_page(viewport)
    sign_in_directly(page, "admin@acme.example", then="/acme/products/")
    mark_page(page)

    page.get_by_label("Name", exact=True).fill("Widget")
    page.get_by_label("SKU", exact=True).fill("W-1")
    page.get_by_label(f"Unit price ({currency})", exact=True).fill("19.99")
    page.get_by_role("button", name="Add product").click()
    expect_toast(page, "Product Widget added.")
    price = page.get_by_label(f"Unit price of Widget ({currency})")
    expect(price).to_have_value("19.99")

    page.get_by_label("SKU", exact=True).fill("w-1")
    page.get_by_label("Name", exact=True).fill("Copy")
    page.get_by_label(f"Unit price ({currency})", exact=True).fill("1")
    page.get_by_role("button", name="Add product").click()
    expect(page.get_by_text("SKU w-1 is already used by Widget.")).to_be_visible()
    assert_no_full_reload(page)

    page.goto(f"/acme/opportunities/{deal}")
    mark_page(page)
    expect(page.locator("#opportunity-value")).to_have_text(f"{currency} 500.00")
    page.get_by_label("Quantity").fill("2.5")
    page.get_by_label("Discount %").fill("10")
    page.get_by_role("button", name="Add line item").click()
    expect_toast(page, "Added Widget.")
    expect(page.locator("#opportunity-value")).to_have_text(f"{currency} 44.98")
    expect(page.locator("#line-items tfoot")).to_contain_text(f"{currency} 44.98")

    page.locator("#line-items summary").first.click()
    page.locator("#line-items tbody input[name=quantity]").fill("1")
    page.locator("#line-items tbody").get_by_role("button", name="Save").click()
    expect(page.locator("#opportunity-value")).to_have_text(f"{currency} 17.99")
    assert_no_full_reload(page)
