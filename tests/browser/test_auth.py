"""Signing up and signing in, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import sign_in
from tests.helpers import make_org

pytestmark = pytest.mark.browser


def test_sign_up_creates_the_organization_and_opens_its_dashboard(page):
    page.goto("/signup")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work email").fill("ada@engines.example")
    page.get_by_label("Password (at least 12 characters)").fill("analytical engine 1843")
    page.get_by_label("Organization name").fill("Analytical Engines")
    page.get_by_label("Currency").select_option("GBP")
    page.get_by_role("button", name="Create organization").click()

    expect(page).to_have_url(re.compile(r"/analytical-engines/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Analytical Engines")
    expect(page.get_by_role("status").filter(has_text="Welcome to Analytical Engines")).to_be_visible()
    expect(page.locator("#my-role")).to_have_text("Administrator")
    expect(page.get_by_role("link", name="Admin")).to_be_visible()


def test_sign_up_refuses_a_short_password_and_keeps_the_entries(page):
    page.goto("/signup")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work email").fill("ada@engines.example")
    page.get_by_label("Password (at least 12 characters)").fill("short")
    page.get_by_label("Organization name").fill("Analytical Engines")
    page.get_by_role("button", name="Create organization").click()

    expect(page.get_by_text("Use at least 12 characters for the password.")).to_be_visible()
    expect(page.get_by_label("Organization name")).to_have_value("Analytical Engines")
    expect(page).to_have_url(re.compile(r"/signup$"))


def test_sign_in_shows_an_error_for_a_wrong_password_then_lets_the_right_one_in(page, live_server):
    with live_server.seeding():
        make_org("acme", "admin@acme.example", "Acme Inc")

    sign_in(page, "admin@acme.example", "not the password at all")
    expect(page.get_by_text("That email and password do not match an account.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("admin@acme.example")
    expect(page).to_have_url(re.compile(r"/login$"))

    sign_in(page, "admin@acme.example")
    expect(page).to_have_url(re.compile(r"/acme/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Inc")
    expect(page.locator("#my-role")).to_have_text("Administrator")


def test_sign_out_ends_the_session(page, live_server):
    with live_server.seeding():
        make_org("acme", "admin@acme.example", "Acme Inc")
    sign_in(page, "admin@acme.example")
    expect(page.locator("#my-role")).to_have_text("Administrator")

    page.locator("#org-switcher summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/acme/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
