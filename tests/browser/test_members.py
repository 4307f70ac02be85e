"""Inviting people and changing their roles, with the admin and the member in separate browsers."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import MOBILE
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_refused
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.helpers import add_member
from tests.helpers import make_org

pytestmark = pytest.mark.browser


@pytest.fixture
def acme(live_server):
    with live_server.seeding():
        make_org("acme", "admin@acme.example", "Acme Inc")


def open_admin_section(page, section: str) -> None:
    """From any org page: the Admin link in the top bar, then a section of the admin nav."""
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name=section).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(section)


def test_admin_invites_a_member_who_accepts_in_another_browser(acme, live_server, new_page):
    admin = new_page()
    sign_in_directly(admin, "admin@acme.example", then="/acme/")
    open_admin_section(admin, "Invitations")

    mark_page(admin)
    admin.get_by_label("Email").fill("Nina.Newhire@acme.example")
    admin.get_by_label("Role").select_option(label="Sales Manager")
    admin.get_by_role("button", name="Send invitation").click()

    expect_toast(admin, "Invitation sent to nina.newhire@acme.example.")
    row = admin.locator("#invitations tbody tr", has_text="nina.newhire@acme.example")
    expect(row.locator("td").nth(1)).to_have_text("Sales Manager")
    expect(row.locator(".status")).to_have_text("pending")
    expect(row.get_by_role("button", name="Revoke")).to_be_visible()
    expect(admin.get_by_label("Email")).to_have_value("")  # the form is fresh for the next invitation
    assert_no_full_reload(admin)

    link = live_server.invitation_link("nina.newhire@acme.example")
    assert link.startswith(live_server.url + "/invitations/")

    member = new_page(MOBILE)
    member.goto(link)
    expect(member.get_by_role("heading", level=1)).to_have_text("Join Acme Inc")
    expect(member.get_by_text("You were invited as Sales Manager")).to_be_visible()
    member.get_by_label("Your name").fill("Nina Newhire")
    member.get_by_label("Choose a password (at least 12 characters)").fill("nina's own long password")
    member.get_by_role("button", name="Join Acme Inc").click()

    expect(member).to_have_url(re.compile(r"/acme/$"))
    expect(member.get_by_text("You joined Acme Inc as Sales Manager.")).to_be_visible()
    expect(member.get_by_role("heading", level=1)).to_have_text("Acme Inc")
    expect(member.locator("#my-role")).to_have_text("Sales Manager")
    expect(member.get_by_role("link", name="Admin", exact=True)).to_have_count(0)

    # The link works once.
    member.goto(link)
    expect(member.get_by_role("alert")).to_contain_text("This invitation was already used.")

    admin.reload()
    expect(row.locator(".status")).to_have_text("accepted")
    admin.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Members").click()
    expect(admin.locator("#members tr[data-email='nina.newhire@acme.example']")).to_contain_text("Nina Newhire")


def test_a_role_change_takes_effect_on_the_members_next_page(live_server, new_page):
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        add_member(org, "sam@acme.example", "Sales Manager")

    member = new_page(MOBILE)
    sign_in_directly(member, "sam@acme.example", then="/acme/")
    expect(member.locator("#my-role")).to_have_text("Sales Manager")
    member.goto("/acme/admin/members")
    expect_refused(member)

    admin = new_page()
    sign_in_directly(admin, "admin@acme.example", then="/acme/")
    open_admin_section(admin, "Members")
    row = admin.locator("#members tr[data-email='sam@acme.example']")

    mark_page(admin)
    row.get_by_label("Role of Sam").select_option(label="Administrator")
    row.get_by_role("button", name="Change role").click()
    expect_toast(admin, "Sam is now Administrator.")
    expect(row.locator("select option:checked")).to_have_text("Administrator")
    assert_no_full_reload(admin)

    member.reload()  # the page that was refused is now open to Sam
    expect(member.get_by_role("heading", level=1)).to_have_text("Members")
    member.goto("/acme/")
    expect(member.locator("#my-role")).to_have_text("Administrator")
    expect(member.get_by_role("link", name="Admin", exact=True)).to_be_visible()

    row.get_by_label("Role of Sam").select_option(label="Sales Rep")
    row.get_by_role("button", name="Change role").click()
    expect_toast(admin, "Sam is now Sales Rep.")
    expect(row.locator("select option:checked")).to_have_text("Sales Rep")
    assert_no_full_reload(admin)

    member.reload()
    expect(member.locator("#my-role")).to_have_text("Sales Rep")
    expect(member.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    member.goto("/acme/admin/members")
    expect_refused(member)


def test_the_last_administrator_cannot_demote_themselves(acme, page):
    sign_in_directly(page, "admin@acme.example", then="/acme/")
    open_admin_section(page, "Members")
    row = page.locator("#members tr[data-email='admin@acme.example']")

    mark_page(page)
    row.get_by_label(re.compile("^Role of ")).select_option(label="Sales Rep")
    row.get_by_role("button", name="Change role").click()

    expect(page.locator("#members").get_by_role("alert")).to_contain_text("is the last active Administrator")
    expect(row.locator("select option:checked")).to_have_text("Administrator")
    assert_no_full_reload(page)
    page.goto("/acme/")
    expect(page.locator("#my-role")).to_have_text("Administrator")
