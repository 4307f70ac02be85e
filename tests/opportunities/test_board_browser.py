"""The stage board in a real browser: drag a card to another column and watch the column
totals change without a reload; dropping on a won stage asks why, and Cancel puts it back."""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Opportunity
from crm.services import pipeline
from crm.services import stage_moves
from crm.services.board import PAGE_SIZE
from tenants.context import org_context
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import expect_toast
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.helpers import make_org

pytestmark = pytest.mark.browser


def seed(live_server) -> dict[str, int]:
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        live_server.org_id = org.id
        with org_context(org.id):
            stages = {s.name: s.id for s in pipeline.list_stages()}
            company = Company(name="Initech", lifecycle_stage="prospect")
            db.session.add(company)
            db.session.flush()
            for name, stage, value in (("Initech renewal", "Proposal", "1000"), ("Hooli pilot", "Proposal", "500")):
                deal = Opportunity(name=name, stage_id=stages[stage], value=Decimal(value), company_id=company.id,
                                   stage_entered_at=clock.now())
                db.session.add(deal)
                db.session.flush()
                stage_moves.record_initial_stage(deal)
            db.session.commit()
    return stages


def column(page, stage_id: int):
    return page.locator(f"#stage-cards-{stage_id}")


def figure(page, stage_id: int, name: str):
    return page.locator(f"#stage-head-{stage_id} [data-figure='{name}']")


def drag(page, card, target) -> None:
    """SortableJS (fallback mode) follows real pointer moves: press, move in steps, release."""
    card.scroll_into_view_if_needed()
    start = card.locator("p").first.bounding_box()  # not on a link: links are not drag handles
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 5, start["y"] + start["height"] / 2 + 5, steps=5)
    target.scroll_into_view_if_needed()
    end = target.bounding_box()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 20, steps=20)
    page.mouse.up()


def test_drag_a_card_to_another_column_and_to_won_with_a_reason(live_server, page):
    stages = seed(live_server)
    sign_in_directly(page, "admin@acme.example", then="/acme/opportunities/board")
    expect(figure(page, stages["Proposal"], "count")).to_have_text("2")
    expect(figure(page, stages["Proposal"], "total")).to_have_text("USD 1,500.00")
    mark_page(page)

    drag(page, page.locator(".board-card", has_text="Initech renewal"), column(page, stages["Negotiation"]))
    expect_toast(page, "Moved Initech renewal to Negotiation.")
    expect(figure(page, stages["Proposal"], "count")).to_have_text("1")
    expect(figure(page, stages["Proposal"], "total")).to_have_text("USD 500.00")
    expect(figure(page, stages["Negotiation"], "total")).to_have_text("USD 1,000.00")
    expect(figure(page, stages["Negotiation"], "weighted")).to_have_text("USD 750.00")
    expect(column(page, stages["Negotiation"]).locator(".board-card", has_text="Initech renewal")).to_be_visible()

    # A won stage asks why; Cancel puts the card back where it was.
    drag(page, page.locator(".board-card", has_text="Hooli pilot"), column(page, stages["Closed Won"]))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Why was it won or lost?")).to_be_focused()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(column(page, stages["Proposal"]).locator(".board-card", has_text="Hooli pilot")).to_be_visible()
    expect(figure(page, stages["Closed Won"], "count")).to_have_text("0")

    drag(page, page.locator(".board-card", has_text="Initech renewal"), column(page, stages["Closed Won"]))
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Move").click()  # no reason yet
    expect(dialog.get_by_text("Say why the deal was won.")).to_be_visible()
    dialog.get_by_label("Why was it won or lost?").fill("Signed for three years")
    dialog.get_by_role("button", name="Move").click()
    expect_toast(page, "Moved Initech renewal to Closed Won.")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(figure(page, stages["Closed Won"], "total")).to_have_text("USD 1,000.00")
    expect(figure(page, stages["Negotiation"], "count")).to_have_text("0")
    assert_no_full_reload(page)

    with live_server.seeding(), org_context(live_server.org_id):
        won = db.session.scalar(sa.select(Opportunity).where(Opportunity.name == "Initech renewal"))
        assert won.close_reason == "Signed for three years"
        assert db.session.scalar(sa.select(Company.lifecycle_stage)) == "customer"


def test_the_keyboard_moves_a_card_through_the_stage_menu(live_server, page):
    stages = seed(live_server)
    sign_in_directly(page, "admin@acme.example", then="/acme/opportunities/board")
    mark_page(page)
    page.get_by_role("link", name=re.compile("^Move Hooli pilot to another stage")).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Stage", exact=True)).to_be_focused()
    dialog.get_by_label("Stage", exact=True).select_option(label="Qualification")
    dialog.get_by_label("Stage", exact=True).press("Tab")
    page.keyboard.press("Tab")  # the note
    dialog.get_by_role("button", name="Move").focus()
    page.keyboard.press("Enter")
    expect_toast(page, "Moved Hooli pilot to Qualification.")
    expect(column(page, stages["Qualification"]).locator(".board-card", has_text="Hooli pilot")).to_be_visible()
    expect(figure(page, stages["Qualification"], "total")).to_have_text("USD 500.00")
    expect(figure(page, stages["Proposal"], "count")).to_have_text("1")
    assert_no_full_reload(page)


def test_a_long_column_loads_more_cards_as_it_is_scrolled_and_the_loaded_cards_drag(live_server, page):
    stages = seed(live_server)
    with live_server.seeding(), org_context(live_server.org_id):
        db.session.add_all(Opportunity(name=f"Lead deal {i:03d}", stage_id=stages["Prospecting"], value=Decimal("10"),
                                       stage_entered_at=clock.now()) for i in range(2 * PAGE_SIZE + 5))
        db.session.commit()
    sign_in_directly(page, "admin@acme.example", then="/acme/opportunities/board")
    mark_page(page)
    cards = column(page, stages["Prospecting"]).locator(".board-card")
    expect(cards).to_have_count(PAGE_SIZE)
    more = page.locator(f"#stage-more-{stages['Prospecting']} a")
    expect(more).to_have_text(f"Show {PAGE_SIZE + 5} more")
    more.scroll_into_view_if_needed()  # revealed: the next page comes by itself
    expect(cards).to_have_count(2 * PAGE_SIZE)
    expect(more).to_have_text("Show 5 more")
    more.focus()
    page.keyboard.press("Enter")
    expect(cards).to_have_count(2 * PAGE_SIZE + 5)
    expect(more).to_have_count(0)
    expect(figure(page, stages["Prospecting"], "count")).to_have_text(str(2 * PAGE_SIZE + 5))
    last = cards.filter(has_text=f"Lead deal {2 * PAGE_SIZE + 4:03d}")
    drag(page, last, column(page, stages["Negotiation"]))
    expect(column(page, stages["Negotiation"]).locator(".board-card", has_text="Lead deal 104")).to_be_visible()
    expect(figure(page, stages["Prospecting"], "count")).to_have_text(str(2 * PAGE_SIZE + 4))
    expect(figure(page, stages["Negotiation"], "count")).to_have_text("1")
    assert_no_full_reload(page)
