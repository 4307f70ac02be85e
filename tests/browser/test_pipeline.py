"""The sales flow of issue 4 end to end in a real browser: qualify a lead, convert it, drag the
new opportunity across the board into a won stage with its reason, and see the dashboard move."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import Lead
from crm.services import pipeline
from tenants.context import org_context
from tests.browser.flows import expect_toast
from tests.browser.flows import sign_in_directly
from tests.helpers import make_org
from tests.helpers import tenant
from tests.opportunities.test_board_browser import column
from tests.opportunities.test_board_browser import drag
from tests.opportunities.test_board_browser import figure as board_figure

pytestmark = pytest.mark.browser


def _seed(live_server) -> tuple[int, dict[str, int]]:
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        with org_context(org.id):
            stages = {s.name: s.id for s in pipeline.list_stages()}
        with tenant(org) as s:
            lead = Lead(first_name="Grace", last_name="Hopper", email="grace@cobol.example", status="working",
                        company_name="Cobol Systems", source="referral", authority="Grace signs",
                        need="A shared pipeline", timeline="Next month", budget=24000)
            s.add(lead)
            s.commit()
            return lead.id, stages


def _dashboard_figure(page, key: str):
    return page.locator(f"#dashboard-figures [data-figure='{key}']")


def test_qualify_convert_drag_to_won_and_the_dashboard_changes(live_server, page):
    lead_id, stages = _seed(live_server)
    sign_in_directly(page, "admin@acme.example", then="/acme/")
    expect(_dashboard_figure(page, "customers")).to_have_text("0")
    expect(_dashboard_figure(page, "open-opportunities")).to_have_text("0")
    expect(_dashboard_figure(page, "won-count")).to_have_text("0")
    expect(_dashboard_figure(page, "average-deal")).to_have_text("—")

    page.goto(f"/acme/leads/{lead_id}")
    page.locator("#qualification").get_by_role("button", name="Qualify").click()
    expect_toast(page, "Grace Hopper is qualified.")
    page.locator("#qualification").get_by_role("button", name="Convert").click()
    expect(page.get_by_label("Value (USD)")).to_have_value("24000.00")
    page.get_by_role("button", name="Convert lead").click()
    expect(page.locator(".flash-success")).to_contain_text("Grace Hopper converted")

    page.goto("/acme/")
    expect(_dashboard_figure(page, "open-opportunities")).to_have_text("1")
    expect(_dashboard_figure(page, "pipeline-value")).to_have_text(re.compile(r"24,000\.00"))

    page.goto("/acme/opportunities/board")
    card = page.locator(".board-card", has_text="Cobol Systems")
    expect(card).to_be_visible()
    won = stages["Closed Won"]
    drag(page, card, column(page, won))
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Why was it won or lost?").fill("Chose us over spreadsheets")
    dialog.get_by_role("button", name="Move").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(board_figure(page, won, "count")).to_have_text("1")
    expect(board_figure(page, won, "total")).to_have_text("USD 24,000.00")

    page.goto("/acme/")
    expect(_dashboard_figure(page, "customers")).to_have_text("1")
    expect(_dashboard_figure(page, "open-opportunities")).to_have_text("0")
    expect(_dashboard_figure(page, "won-count")).to_have_text("1")
    expect(_dashboard_figure(page, "win-rate")).to_have_text("100 %")
    expect(_dashboard_figure(page, "average-deal")).to_have_text(re.compile(r"24,000\.00"))
    _dashboard_figure(page, "won-count").click()
    expect(page.locator("table")).to_contain_text("Cobol Systems")
