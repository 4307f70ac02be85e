"""An htmx action after the session ended elsewhere: to the sign-in page, then back."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.flows import sign_in_directly
from tests.helpers import PASSWORD
from tests.helpers import make_org

pytestmark = pytest.mark.browser


def _signed_out_in_another_tab_then_move_a_stage(page, live_server):
    with live_server.seeding():
        make_org("acme", "admin@acme.example", "Acme Inc")
    sign_in_directly(page, "admin@acme.example", then="/acme/admin/stages")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline stages")

    other_tab = page.context.new_page()  # same browser, same cookies
    other_tab.goto("/acme/")
    other_tab.locator("#org-switcher summary").click()
    other_tab.get_by_role("button", name="Sign out").click()
    expect(other_tab.get_by_text("You are signed out.")).to_be_visible()
    other_tab.close()

    page.locator("#stages li.stage").first.get_by_role("button", name="Move down").click()


def test_an_htmx_action_after_signing_out_elsewhere_opens_the_sign_in_page(page, live_server):
    _signed_out_in_another_tab_then_move_a_stage(page, live_server)
    # The 401 carries HX-Redirect: the whole page goes to sign-in, not a fragment into #stages.
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_signing_in_again_returns_to_the_page_the_htmx_action_was_on(page, live_server):
    _signed_out_in_another_tab_then_move_a_stage(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Email").fill("admin@acme.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert urlsplit(page.url).path == "/acme/admin/stages", f"signed in, then sent to {page.url}"
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline stages")
