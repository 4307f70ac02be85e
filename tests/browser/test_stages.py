"""Reordering pipeline stages in place with htmx."""

import pytest
from playwright.sync_api import expect

from tests.browser.flows import MOBILE
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.helpers import make_org

pytestmark = pytest.mark.browser

DEFAULT_ORDER = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]


def expect_order(page, names: list[str]) -> None:
    stages = page.locator("#stages li.stage")
    expect(stages).to_have_count(len(names))
    for position, name in enumerate(names):
        expect(stages.nth(position)).to_have_attribute("data-name", name)


def stage(page, name: str):
    return page.locator(f"#stages li.stage[data-name='{name}']")


@pytest.mark.parametrize("viewport", [None, MOBILE], ids=["desktop", "mobile"])
def test_moving_stages_up_and_down_swaps_in_place_and_persists(live_server, new_page, viewport):
    with live_server.seeding():
        make_org("acme", "admin@acme.example", "Acme Inc")
    page = new_page(viewport)
    sign_in_directly(page, "admin@acme.example", then="/acme/")
    page.get_by_role("link", name="Pipeline stages").click()  # the dashboard's Pipeline card
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline stages")
    expect_order(page, DEFAULT_ORDER)
    expect(stage(page, "Prospecting").get_by_role("button", name="Move up")).to_have_count(0)
    expect(stage(page, "Closed Lost").get_by_role("button", name="Move down")).to_have_count(0)

    mark_page(page)
    stage(page, "Prospecting").get_by_role("button", name="Move down").click()
    expect_toast(page, "Moved Prospecting down.")
    expect_order(page, ["Qualification", "Prospecting", "Proposal", "Negotiation", "Closed Won", "Closed Lost"])
    # The buttons follow the new order: the new first stage cannot go up, the old one now can.
    expect(stage(page, "Qualification").get_by_role("button", name="Move up")).to_have_count(0)
    expect(stage(page, "Prospecting").get_by_role("button", name="Move up")).to_be_visible()

    stage(page, "Negotiation").get_by_role("button", name="Move up").click()
    expect_toast(page, "Moved Negotiation up.")
    expected = ["Qualification", "Prospecting", "Negotiation", "Proposal", "Closed Won", "Closed Lost"]
    expect_order(page, expected)
    assert_no_full_reload(page)

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline stages")
    expect_order(page, expected)
    # The reorder is in the audit log, in the new order.
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Audit log").click()
    expect(page.locator("tr.audit-row[data-action='stage.reorder']")).to_have_count(2)
    expect(page.locator("tr.audit-row[data-action='stage.reorder']").first).to_contain_text("Moved stage Negotiation up")
