"""Lead scoring settings in a real browser: an administrator adds a job-title keyword and lowers
the B threshold, the page keeps them after a reload, a rescoring moves a lead's score and grade
and the lead page says which rule gave the points; a Sales Rep is refused the page."""

import pytest
from playwright.sync_api import expect

from tests.browser.flows import expect_refused
from tests.browser.flows import expect_toast
from tests.browser.flows import sign_in_directly
from tests.helpers import add_member
from tests.helpers import make_org

pytestmark = pytest.mark.browser

ADMIN = "admin@acme.example"
REP = "sales.rep@acme.example"
KEYWORDS = "One keyword per line, then its points"


def _seed(live_server) -> None:
    with live_server.seeding():
        org, _ = make_org("acme", ADMIN, "Acme Inc")
        add_member(org, REP, "Sales Rep")


def _create_lead(page) -> str:
    """Through the form: a referral with email, company and a title no default keyword matches.
    Fit 30 + 5 + 5 + 5 = 45, no interactions: total 45 × 50 / 100 = 22.5, rounded up to 23, a D."""
    page.goto("/acme/leads/new")
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Ramos")
    page.get_by_label("Email", exact=True).fill("rita@northwind.example")
    page.get_by_label("Company", exact=True).fill("Northwind")
    page.get_by_label("Title").fill("Revenue Operations Lead")
    page.get_by_label("Source").select_option("referral")
    page.get_by_role("button", name="Create lead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rita Ramos")
    return page.url


def _score(page):
    return page.locator("#lead-score")


def test_a_new_title_keyword_and_grade_threshold_move_a_leads_score(live_server, page):
    _seed(live_server)
    sign_in_directly(page, ADMIN, then="/acme/")
    lead_url = _create_lead(page)
    score = _score(page)
    expect(score.locator(".score-total")).to_have_text("23 of 100, grade D")
    expect(score.locator(".score-explanation")).to_contain_text("Source: Referral")
    expect(score.locator(".score-explanation")).not_to_contain_text("revenue")

    # Into the admin console by its links, as an administrator finds it.
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Lead scoring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lead scoring")
    keywords = page.get_by_label(KEYWORDS)
    expect(keywords).to_have_value("ceo = 40\nfounder = 35\nvp = 35\nvice president = 35\ndirector = 30\nhead = 30\nmanager = 20")
    expect(page.get_by_label("Grade B")).to_have_value("50")

    keywords.fill(keywords.input_value() + "\nRevenue = 40")
    page.get_by_label("Grade B").fill("40")
    page.get_by_role("button", name="Save", exact=True).click()
    expect_toast(page, "Scoring rules saved.")

    page.reload()
    expect(page.get_by_label(KEYWORDS)).to_have_value(
        "ceo = 40\nfounder = 35\nvp = 35\nvice president = 35\ndirector = 30\nhead = 30\nmanager = 20\nrevenue = 40")
    expect(page.get_by_label("Grade A")).to_have_value("75")
    expect(page.get_by_label("Grade B")).to_have_value("40")
    expect(page.get_by_label("Grade C")).to_have_value("25")

    page.get_by_role("button", name="Rescore all leads now with the saved rules").click()
    expect_toast(page, "Every lead is being rescored in the background.")

    # Fit 45 + 40 = 85: total 42.5, rounded up to 43, which the new B threshold (40) makes a B.
    page.goto(lead_url)
    score = _score(page)
    expect(score.locator(".score-total")).to_have_text("43 of 100, grade B")
    fit = score.locator(".score-components tr", has=page.get_by_role("rowheader", name="Fit", exact=True))
    expect(fit.locator("td")).to_have_text("85")
    keyword_line = score.locator(".score-explanation tbody tr", has_text="Title contains")
    expect(keyword_line).to_have_count(1)
    expect(keyword_line.locator("td")).to_have_text(["Fit", "Title contains “revenue”", "+40"])
    trend = score.locator(".score-trend tbody tr")
    expect(trend).to_have_count(2)
    expect(trend.first.locator("td").nth(1)).to_have_text("43")
    expect(trend.first.locator("td").nth(2)).to_have_text("B")
    expect(trend.last.locator("td").nth(1)).to_have_text("23")


def test_thresholds_out_of_order_are_refused_and_nothing_is_saved(live_server, page):
    _seed(live_server)
    sign_in_directly(page, ADMIN, then="/acme/admin/scoring")
    page.get_by_label("Grade C").fill("60")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Grade thresholds must go down from A to C")
    expect(page.get_by_label("Grade C")).to_have_value("60")  # the form keeps what was typed
    page.reload()
    expect(page.get_by_label("Grade C")).to_have_value("25")


def test_a_sales_rep_is_refused_the_scoring_settings(live_server, page):
    _seed(live_server)
    sign_in_directly(page, REP, then="/acme/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    response = page.goto("/acme/admin/scoring")
    assert response.status == 403
    expect_refused(page)
    expect(page.get_by_label(KEYWORDS)).to_have_count(0)
