"""In chromium: log an interaction on a company page, see it in the timeline, delete and undo,
tick a task, tag the company. (The harness is tests/browser's.)"""

import pytest
from playwright.sync_api import expect

from crm.models import Company
from crm.models import Contact
from tenants.context import org_context
from tests.browser.flows import MOBILE
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.helpers import make_org

pytestmark = pytest.mark.browser


def _seed(live_server) -> int:
    from crm.extensions import db

    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        with org_context(org.id):
            company = Company(name="Globex Corporation")
            db.session.add(company)
            db.session.flush()
            db.session.add(Contact(first_name="Hank", last_name="Scorpio", company_id=company.id))
            db.session.commit()
            return company.id


@pytest.mark.parametrize("viewport", [None, MOBILE], ids=["desktop", "mobile"])
def test_log_delete_undo_tick_and_tag_on_a_company_page(live_server, new_page, viewport):
    company_id = _seed(live_server)
    page = new_page(viewport)
    sign_in_directly(page, "admin@acme.example", then=f"/acme/companies/{company_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex Corporation")
    mark_page(page)

    interactions = page.locator("#activity-interactions")
    interactions.get_by_text("Log interaction").first.click()
    interactions.get_by_label("Subject").fill("Kick-off call")
    interactions.get_by_label("Duration (minutes)").fill("30")
    interactions.get_by_role("button", name="Log interaction").click()
    expect_toast(page, "Call logged.")
    expect(page.locator("#interaction-list")).to_contain_text("Kick-off call")
    expect(page.locator("#activity-timeline")).to_contain_text("Call logged: “Kick-off call”")

    # A refusal stays in the form, with the message next to the field.
    interactions.get_by_text("Log interaction").first.click()
    interactions.get_by_label("Duration (minutes)").first.fill("-3")
    interactions.get_by_label("Subject").first.fill("Bad")
    interactions.get_by_role("button", name="Log interaction").click()
    expect(page.locator("#interaction-new-duration_minutes-error")).to_contain_text("0 or more")

    page.locator("#interaction-list").get_by_role("button", name="Delete interaction: Kick-off call").click()
    expect_toast(page, "Call deleted.")
    expect(page.locator("#interaction-list")).not_to_contain_text("Kick-off call")
    page.locator("#toasts").get_by_role("button", name="Undo").click()
    expect_toast(page, "Call restored.")
    expect(page.locator("#interaction-list")).to_contain_text("Kick-off call")
    expect(page.locator("#activity-timeline")).to_contain_text("Call restored")

    tasks = page.locator("#activity-tasks")
    tasks.get_by_text("Add task").first.click()
    tasks.get_by_label("Task").first.fill("Send the proposal")
    tasks.get_by_role("button", name="Add task").click()
    expect_toast(page, "Task “Send the proposal” added.")
    tasks.get_by_role("checkbox").first.check()
    expect_toast(page, "Task “Send the proposal” done.")
    expect(page.locator("#activity-tasks h2")).to_contain_text("0 open")

    tags = page.locator("#record-tags")
    tags.get_by_placeholder("or a new tag").fill("Key account")
    tags.get_by_role("button", name="Add").click()
    expect_toast(page, "Tagged Key account.")
    expect(page.locator("#record-tags .tag-chip")).to_contain_text("Key account")
    page.locator("#record-tags").get_by_role("button", name="Remove tag Key account").click()
    expect_toast(page, "Tag Key account removed.")
    expect(page.locator("#record-tags .tag-chip")).to_have_count(0)
    tags.get_by_label("Add a tag").select_option(label="Key account")
    tags.get_by_role("button", name="Add").click()
    expect(page.locator("#record-tags .tag-chip")).to_contain_text("Key account")
    assert_no_full_reload(page)
