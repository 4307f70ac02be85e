"""A member's notification settings in a real browser: a Sales Rep asks for mentions by email at
once and assignments in the daily digest (the reverse of the defaults), and the page keeps it;
then the administrator assigns them a lead and mentions them in a note, through the app: the
mention arrives by email at once over a real SMTP server, the assignment waits for the digest,
and both are on the rep's notifications page."""

import re

import pytest
from playwright.sync_api import expect

from crm.jobs.schedule import start_for_every_organization
from tests.browser.flows import expect_toast
from tests.browser.flows import sign_in_directly
from tests.email.support import Inbox
from tests.email.support import links_in
from tests.email.support import start_smtp
from tests.email.support import text_part
from tests.helpers import add_member
from tests.helpers import make_org

pytestmark = pytest.mark.browser

ADMIN = "admin@acme.example"
REP = "sales.rep@acme.example"
ASSIGNED = "A lead, contact, company or deal is assigned to you"
MENTION = "Someone mentions you in a note"


@pytest.fixture
def inbox(live_server):
    """The live app sends its email to a real SMTP server on 127.0.0.1 (aiosmtpd), as in tests/email."""
    inbox = Inbox()
    controller = start_smtp(inbox)
    live_server.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    try:
        yield inbox
    finally:
        controller.stop()


def _seed(live_server) -> None:
    with live_server.seeding():
        org, _ = make_org("acme", ADMIN, "Acme Inc")
        add_member(org, REP, "Sales Rep")


def _choice(page, kind_label: str, delivery: str):
    """The radio button of one delivery in the row of one kind of notification."""
    row = page.locator("tr", has=page.get_by_role("rowheader", name=kind_label, exact=True))
    return row.get_by_role("radio", name=delivery, exact=True)


def test_choices_are_kept_and_decide_what_is_emailed_at_once_and_what_waits_for_the_digest(
        live_server, inbox, new_page):
    _seed(live_server)
    rep = new_page()
    sign_in_directly(rep, REP, then="/acme/notifications/")
    expect(rep.get_by_text("No notifications yet.")).to_be_visible()
    rep.get_by_role("link", name="Notification settings").click()
    expect(rep.get_by_role("heading", level=1)).to_have_text("Notification settings")
    expect(_choice(rep, ASSIGNED, "Email at once")).to_be_checked()  # the defaults
    expect(_choice(rep, MENTION, "In the app only")).to_be_checked()

    _choice(rep, MENTION, "Email at once").check()
    _choice(rep, ASSIGNED, "Daily digest").check()
    rep.get_by_role("button", name="Save settings").click()
    expect(rep.get_by_text("Notification settings saved.")).to_be_visible()
    rep.reload()
    expect(_choice(rep, MENTION, "Email at once")).to_be_checked()
    expect(_choice(rep, ASSIGNED, "Daily digest")).to_be_checked()
    expect(_choice(rep, ASSIGNED, "Email at once")).not_to_be_checked()
    expect(_choice(rep, MENTION, "In the app only")).not_to_be_checked()

    # Another member assigns the rep a lead (digest: no email now), then mentions them (email at once).
    admin = new_page()
    sign_in_directly(admin, ADMIN, then="/acme/leads/new")
    admin.get_by_label("First name").fill("Nora")
    admin.get_by_label("Last name").fill("Quinn")
    admin.get_by_label("Email", exact=True).fill("nora@quinn.example")
    admin.get_by_label("Owner").select_option(label="Sales Rep")
    admin.get_by_role("button", name="Create lead").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Nora Quinn")
    lead_path = re.sub(r"^https?://[^/]+", "", admin.url)
    assert inbox.messages == [], "an assignment the rep reads in the digest was emailed at once"

    admin.get_by_label("Add a note").fill(f"@{REP} she asked for a call on Tuesday")
    admin.locator("#activity-notes").get_by_role("button", name="Add note").click()
    expect_toast(admin, "Note added. Notified Sales Rep.")
    [mention] = inbox.to(REP)
    assert mention["Subject"] == "[Acme Inc] Admin mentioned you in a note on Nora Quinn"
    text = text_part(mention)
    assert "Admin mentioned you in a note on Nora Quinn" in text
    lead_links = [link for link in links_in(text) if link.endswith(lead_path)]
    assert lead_links, f"no link to {lead_path} in the email:\n{text}"

    rep.goto("/acme/notifications/")
    items = rep.locator(".notification-list .notification")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Admin mentioned you in a note on Nora Quinn")
    expect(items.nth(1)).to_contain_text("Admin assigned you the lead “Nora Quinn”")
    expect(rep.locator(".notification-list")).not_to_contain_text("could not be delivered")
    expect(rep.locator(".notification-list")).not_to_contain_text("email on its way")

    # The link in the email opens the lead for the rep.
    rep.goto(lead_links[0])
    expect(rep.get_by_role("heading", level=1)).to_have_text("Nora Quinn")

    # Next morning's digest carries the assignment, and not the mention already emailed.
    with live_server.seeding():
        start_for_every_organization("daily-digest", ignore_hour=True)
    digests = [m for m in inbox.to(REP) if m["Subject"].startswith("[Acme Inc] Your day")]
    assert len(digests) == 1, [m["Subject"] for m in inbox.to(REP)]
    digest = text_part(digests[0])
    assert "Admin assigned you the lead “Nora Quinn”" in digest
    assert "mentioned you" not in digest
    assert len(inbox.to(REP)) == 2 and inbox.to(ADMIN) == []
