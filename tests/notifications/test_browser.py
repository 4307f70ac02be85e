"""In chromium: the bell counts unread notifications, follows marking read without a reload,
and refreshes itself when the page announces ``notifications-changed``."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from crm.extensions import db
from crm.models import Notification
from crm.models import User
from tenants.context import org_context
from tests.browser.flows import MOBILE
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.browser.flows import wait_for_htmx_to_settle
from tests.helpers import make_org

pytestmark = pytest.mark.browser


def _add(live_server, org_id: int, *messages: str) -> None:
    with live_server.seeding(), org_context(org_id):
        admin = db.session.scalar(sa.select(User.id).where(User.email == "admin@acme.example"))
        db.session.add_all([Notification(user_id=admin, kind="test", message=m, link="/acme/leads/",
                                         dedupe_key=f"browser:{m}") for m in messages])
        db.session.commit()


@pytest.mark.parametrize("viewport", [None, MOBILE], ids=["desktop", "mobile"])
def test_the_bell_follows_reading_notifications(live_server, new_page, viewport):
    with live_server.seeding():
        org_id = make_org("acme", "admin@acme.example", "Acme Inc")[0].id
    _add(live_server, org_id, "Bob assigned you the lead “Ada”", "Cy mentioned you in a note on Globex")
    page = new_page(viewport)
    sign_in_directly(page, "admin@acme.example", then="/acme/leads/")
    bell = page.get_by_role("link", name="Notifications, 2 unread")
    expect(bell).to_be_visible()
    expect(bell).to_contain_text("2")

    bell.click()
    expect(page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    mark_page(page)
    page.get_by_role("button", name="Mark as read: Cy mentioned you in a note on Globex").click()
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    expect(page.locator("#notifications-summary")).to_contain_text("1 unread.")
    expect(page.get_by_role("button", name="Mark as read: Cy mentioned you in a note on Globex")).to_have_count(0)

    _add(live_server, org_id, "Dee assigned you 3 leads")
    wait_for_htmx_to_settle(page)  # the bell was swapped in by the last click
    page.evaluate("document.body.dispatchEvent(new CustomEvent('notifications-changed'))")
    expect(page.get_by_role("link", name="Notifications, 2 unread")).to_be_visible()

    page.get_by_role("button", name="Mark all as read").click()
    expect_toast(page, "Marked 2 notifications as read.")
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
    expect(page.locator("#notifications-summary")).to_contain_text("Nothing unread.")
    assert_no_full_reload(page)

    page.get_by_role("link", name="Bob assigned you the lead “Ada”").click()
    expect(page).to_have_url(f"{live_server.url}/acme/leads/")
