"""Every dashboard figure against the hand-worked fixture (tests/dashboard/fixture.py): the
default period, last quarter, one owner, a period with nothing in it, deleted rows and
another organization's rows."""

import pytest
from bs4 import BeautifulSoup

from tests.dashboard import fixture
from tests.dashboard.fixture import MANAGER
from tests.dashboard.fixture import REP
from tests.helpers import tenant

HOME = "/acme/"


@pytest.fixture
def acme(app, org_a, org_b):
    fixture.freeze()
    ids = fixture.build(org_a)
    fixture.build_other(org_b)
    with tenant(org_a):
        ids["rep"], ids["manager"] = fixture.user_id(REP), fixture.user_id(MANAGER)
    return ids


def page(client, query=""):
    response = client.get(HOME + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def fig(soup, name) -> str:
    return " ".join(soup.find(attrs={"data-figure": name}).get_text(" ", strip=True).split())


def link(soup, name) -> str:
    found = soup.find(attrs={"data-figure": name})
    return found["href"] if found.name == "a" else found.find("a")["href"]


def table(soup, section_id) -> list[list[str]]:
    rows = soup.find(id=section_id).select("table tbody tr")
    return [[" ".join(c.get_text(" ", strip=True).split()) for c in row.find_all(["th", "td"])] for row in rows]


def recent(soup) -> list[str]:
    return [span.get_text(strip=True) for span in soup.select("#recent-interactions li .subject")]


def test_this_quarter_for_everyone(admin_a, acme):
    soup = page(admin_a)
    assert "This quarter: 1 Apr 2026 – 30 Jun 2026" in soup.find(id="dashboard-period").get_text(" ", strip=True)
    # Customers: One, Two, Three (Former Customer is deleted, Prospect Co is a prospect).
    assert fig(soup, "customers") == "3"
    # Active leads: Lina, Rita, Erik, Eva, Web (converted, unqualified and deleted ones left out).
    assert fig(soup, "active-leads") == "5"
    # Open: Alpha, Bravo, Charlie, Delta, Echo, Foxtrot (Ghost deleted);
    # 1000 + 4000 + 2500.50 + 4000 + 300 + 4000 = 15800.50.
    assert fig(soup, "open-opportunities") == "6"
    assert fig(soup, "pipeline-value") == "EUR 15,800.50"
    # Leads created 1 Apr - 30 Jun (New York): Lina, Lars, Rita, Rolf, Nora, Erik = 6 (Web was
    # created 31 March 23:00 in New York); converted: Lars, Rolf = 2; 2 / 6 = 33.3 %.
    assert fig(soup, "leads-created") == "6" and fig(soup, "leads-converted") == "2"
    assert fig(soup, "conversion-rate") == "33.3 %"
    # Closed in the quarter: won Won 1 and Won 2, lost Lost 1 and Lost 2 (Won 4 closed on
    # 31 March in New York; Won deleted is deleted): 2 / 4 = 50 %.
    assert (fig(soup, "won-count"), fig(soup, "lost-count"), fig(soup, "win-rate")) == ("2", "2", "50 %")
    # (6000 + 2000) / 2 = 4000.00; cycles 40 and 40.6 days: 40.3 days.
    assert fig(soup, "average-deal") == "EUR 4,000.00"
    assert fig(soup, "sales-cycle") == "40.3 days"
    # Forecast: May Alpha 100.00 + Foxtrot 3600.00; June Bravo 2000.00 + Charlie 1000.20;
    # July Echo 150.00; Delta has no close date: 1000.00. Total 7850.20.
    assert table(soup, "forecast") == [
        ["May 2026", "2", "EUR 5,000.00", "EUR 3,700.00"],
        ["Jun 2026", "2", "EUR 6,500.50", "EUR 3,000.20"],
        ["Jul 2026", "1", "EUR 300.00", "EUR 150.00"],
        ["No close date", "1", "EUR 4,000.00", "EUR 1,000.00"],
    ]
    assert fig(soup, "weighted-total") == "EUR 7,850.20"
    assert table(soup, "stages") == [
        ["Prospecting", "1", "EUR 1,000.00"], ["Qualification", "1", "EUR 4,000.00"],
        ["Proposal", "2", "EUR 4,300.00"], ["Negotiation", "2", "EUR 6,500.50"],
    ]
    # Three deals of 4000: the likelier first (Foxtrot 90 %, Bravo 50 %, Delta 25 %).
    assert [r[0] for r in table(soup, "top-deals")] == ["Foxtrot", "Bravo", "Delta", "Charlie", "Alpha"]
    assert table(soup, "sources") == [["Referral", "2"], ["Website", "2"], ["Event", "1"], ["No source", "1"]]
    assert recent(soup) == [f"Call {i}" for i in range(12, 2, -1)]
    text = soup.get_text(" ")
    for leaked in ("77,777", "55,555", "Bravo GmbH deal", "Bravo mail", "Ghost", "99,999", "50,000", "Deleted call"):
        assert leaked not in text


def test_last_quarter(admin_a, acme):
    soup = page(admin_a, "?period=last_quarter")
    assert "Last quarter: 1 Jan 2026 – 31 Mar 2026" in soup.find(id="dashboard-period").get_text(" ", strip=True)
    # Created in Q1 (New York): Wim, Eva, Web = 3; converted: Wim; 1 / 3 = 33.3 %.
    assert (fig(soup, "leads-created"), fig(soup, "leads-converted"), fig(soup, "conversion-rate")) == ("3", "1", "33.3 %")
    # Won 3 and Won 4 (31 March 22:00 in New York), lost Lost 3: 2 / 3 = 66.7 %.
    assert (fig(soup, "won-count"), fig(soup, "lost-count"), fig(soup, "win-rate")) == ("2", "1", "66.7 %")
    # (1500 + 700) / 2 = 1100.00; (30 + 31 1/12) / 2 = 30.54 days.
    assert fig(soup, "average-deal") == "EUR 1,100.00"
    assert fig(soup, "sales-cycle") == "30.5 days"
    assert table(soup, "sources") == [["Event", "1"], ["Webinar", "1"], ["Website", "1"]]
    # Today's figures do not depend on the period.
    assert (fig(soup, "customers"), fig(soup, "active-leads"), fig(soup, "open-opportunities")) == ("3", "5", "6")


def test_one_owner(admin_a, acme):
    soup = page(admin_a, f"?owner={acme['rep']}")
    assert fig(soup, "customers") == "2"                        # Customer One and Two
    assert fig(soup, "active-leads") == "2"                     # Lina, Eva
    assert fig(soup, "open-opportunities") == "3"               # Alpha, Charlie, Echo
    assert fig(soup, "pipeline-value") == "EUR 3,800.50"        # 1000 + 2500.50 + 300
    assert (fig(soup, "leads-created"), fig(soup, "leads-converted"), fig(soup, "conversion-rate")) == ("2", "1", "50 %")
    # Won 1; Lost 1 and Lost 2: 1 / 3 = 33.3 %.
    assert (fig(soup, "won-count"), fig(soup, "lost-count"), fig(soup, "win-rate")) == ("1", "2", "33.3 %")
    assert fig(soup, "average-deal") == "EUR 6,000.00"
    assert fig(soup, "sales-cycle") == "40.0 days"
    assert table(soup, "forecast") == [
        ["May 2026", "1", "EUR 1,000.00", "EUR 100.00"],
        ["Jun 2026", "1", "EUR 2,500.50", "EUR 1,000.20"],
        ["Jul 2026", "1", "EUR 300.00", "EUR 150.00"],
    ]
    assert fig(soup, "weighted-total") == "EUR 1,250.20"
    assert table(soup, "stages") == [
        ["Prospecting", "1", "EUR 1,000.00"], ["Qualification", "0", "EUR 0.00"],
        ["Proposal", "1", "EUR 300.00"], ["Negotiation", "1", "EUR 2,500.50"],
    ]
    assert [r[0] for r in table(soup, "top-deals")] == ["Charlie", "Alpha", "Echo"]
    assert table(soup, "sources") == [["Website", "2"]]
    assert recent(soup) == ["Call 12", "Call 10", "Call 8", "Call 6", "Call 4", "Call 2"]


def test_custom_period(admin_a, acme):
    soup = page(admin_a, "?period=custom&from=2026-04-01&to=2026-04-30")
    # April in New York: won Won 1 (10 April), lost Lost 1 (20 April): 50 %.
    assert (fig(soup, "won-count"), fig(soup, "lost-count"), fig(soup, "win-rate")) == ("1", "1", "50 %")
    # Leads created in April: Lina, Lars; converted Lars.
    assert (fig(soup, "leads-created"), fig(soup, "leads-converted")) == ("2", "1")


def test_a_period_with_nothing_shows_dashes_and_says_why(admin_a, acme):
    soup = page(admin_a, "?period=custom&from=2020-01-01&to=2020-01-31")
    assert fig(soup, "conversion-rate") == "—"
    assert fig(soup, "win-rate") == "—"
    assert fig(soup, "average-deal") == "—"
    assert fig(soup, "sales-cycle") == "—"
    text = " ".join(soup.get_text(" ").split())
    assert "No leads were created in the period, so there is no rate to show." in text
    assert "No deal was won or lost in the period, so there is no rate to show." in text
    for card in ("figure-win-rate", "figure-conversion-rate"):
        assert "%" not in soup.find(id=card).get_text()


def test_every_number_links_to_its_list_with_the_same_filters(admin_a, acme):
    rep = acme["rep"]
    soup = page(admin_a, f"?owner={rep}")
    assert link(soup, "customers") == f"/acme/companies/?lifecycle_stage=customer&owner={rep}"
    assert link(soup, "active-leads") == f"/acme/leads/?status=active&owner={rep}"
    assert link(soup, "open-opportunities") == f"/acme/opportunities/?status=open&owner={rep}"
    assert link(soup, "pipeline-value") == f"/acme/opportunities/?status=open&owner={rep}"
    created = f"created_from=2026-04-01&created_to=2026-06-30&owner={rep}"
    assert link(soup, "leads-created") == f"/acme/leads/?{created}"
    assert link(soup, "leads-converted") == f"/acme/leads/?status=converted&{created}"
    closed = f"closed_from=2026-04-01&closed_to=2026-06-30&owner={rep}"
    assert link(soup, "won-count") == f"/acme/opportunities/?status=won&{closed}"
    assert link(soup, "lost-count") == f"/acme/opportunities/?status=lost&{closed}"
    assert link(soup, "average-deal") == f"/acme/opportunities/?status=won&{closed}"
    june = soup.select_one('#forecast tr[data-month="2026-06"] a')["href"]
    assert june == f"/acme/opportunities/?status=open&close_from=2026-06-01&close_to=2026-06-30&owner={rep}"
    proposal = acme["stages"]["Proposal"]
    assert soup.select_one(f'#stages tr[data-stage="{proposal}"] a')["href"] == f"/acme/opportunities/?stage={proposal}&owner={rep}"
    assert soup.select_one('#sources tr[data-source="website"] a')["href"] == f"/acme/leads/?source=website&{created}"
    charlie = acme["Charlie"]
    assert soup.select_one(f'#top-deals tr[data-deal="{charlie}"] a')["href"] == f"/acme/opportunities/{charlie}"
    call_12 = soup.select("#recent-interactions li")[0]
    assert call_12.a["href"] == f"/acme/opportunities/{charlie}" and call_12.a.get_text() == "Charlie"


def test_the_leads_links_list_what_they_count(admin_a, acme):
    """The leads list filters added for the dashboard: active, created dates (New York days), no source."""
    everyone = page(admin_a)

    def names(href):
        soup = BeautifulSoup(admin_a.get(href).get_data(as_text=True), "html.parser")
        return sorted(a.get_text(strip=True).split()[0] for a in soup.select("#results tbody td a[href*='/leads/']"))

    assert names(link(everyone, "active-leads")) == ["Erik", "Eva", "Lina", "Rita", "Web"]
    assert names(link(everyone, "leads-created")) == ["Erik", "Lars", "Lina", "Nora", "Rita", "Rolf"]
    assert names(link(everyone, "leads-converted")) == ["Lars", "Rolf"]
    no_source = everyone.select_one('#sources tr[data-source="none"] a')["href"]
    assert names(no_source) == ["Nora"]
    response = admin_a.get("/acme/leads/?created_from=2026-13-01")
    assert response.status_code == 200
    assert "Ignored the created from filter" in response.get_data(as_text=True)


def test_deals_without_close_date_are_their_own_bucket_and_not_linked_to_a_month(admin_a, acme):
    soup = page(admin_a)
    row = soup.select_one('#forecast tr[data-month="none"]')
    assert row.find("a") is None
    assert "Deals without an expected close date" in soup.find(id="forecast").get_text(" ")


def test_bad_filters_fall_back_with_a_notice(admin_a, acme):
    for query, words in (("?period=forever", "is not one of the periods"),
                         ("?period=custom&from=2026-02-30&to=2026-03-01", "is not a date like"),
                         ("?period=custom&from=0001-01-01&to=2026-03-01", "is not a date like"),
                         ("?period=custom&from=2026-05-01&to=2026-04-01", "after its to date"),
                         ("?period=custom", "needs both a from and a to date"),
                         ("?owner=abc", "is not a member"), ("?owner=99999999999999999999", "is not a member"),
                         ("?owner=%00", "is not a member"), ("?period=%00", "is not one of the periods")):
        soup = page(admin_a, query)
        assert words in soup.select_one(".notice").get_text(), query
        assert fig(soup, "open-opportunities") == "6"


def test_another_orgs_member_is_not_an_owner_here(admin_a, acme, org_b):
    from tests.helpers import tenant as as_org

    with as_org(org_b):
        bravo_rep = fixture.user_id("sales.rep@bravo.example")
    soup = page(admin_a, f"?owner={bravo_rep}")
    assert "is not a member" in soup.select_one(".notice").get_text()
    assert fig(soup, "customers") == "3"


def test_htmx_filter_swaps_only_the_figures(admin_a, acme):
    response = admin_a.get(HOME + "?period=last_quarter", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="dashboard-figures">')
    assert "<html" not in html and 'data-figure="win-rate"' in html
