"""The dashboard page: charts (present, escaped, without script, with their tables), the fixed
number of queries, who sees what, and other organizations."""

from datetime import date
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.extensions import db
from crm.models import Interaction
from crm.models import Lead
from crm.models import Opportunity
from crm.models import PipelineStage
from crm.models import Role
from tests.dashboard import fixture
from tests.helpers import add_member
from tests.helpers import counted
from tests.helpers import tenant

HOME = "/acme/"
XSS = "<script>alert(1)</script>"


@pytest.fixture
def acme(app, org_a):
    fixture.freeze()
    return fixture.build(org_a)


def soup_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_three_charts_with_titles_and_tables_and_no_script(admin_a, acme):
    soup = soup_of(admin_a.get(HOME))
    for section, title in (("forecast", "Weighted forecast by month"), ("stages", "Value per stage"),
                           ("sources", "Leads by source")):
        region = soup.find(id=section)
        assert region.find("h2").get_text(strip=True) == title
        svg = region.select_one(".chart svg")
        assert svg is not None and svg.get("aria-hidden") == "true"
        assert svg.find("title") is not None  # pygal's chart title
        assert region.find("table").find("caption") is not None
        assert region.select(".chart script") == []
    # The stage chart draws the same figures as its table.
    stage_svg = str(soup.find(id="stages").select_one(".chart svg"))
    assert "EUR 6,500.50" in stage_svg and "Negotiation" in stage_svg


def test_user_text_in_a_chart_is_escaped(admin_a, acme, org_a):
    with tenant(org_a):
        stage = db.session.scalar(sa.select(PipelineStage).where(PipelineStage.name == "Proposal"))
        stage.name = XSS
        db.session.commit()
    html = admin_a.get(HOME).get_data(as_text=True)
    assert XSS not in html
    svg = str(BeautifulSoup(html, "html.parser").find(id="stages").select_one(".chart svg"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "<script" not in svg


def _more_rows(org, n: int) -> None:
    """Deals in other months, stages and owners, leads of other sources, more interactions."""
    with tenant(org):
        stages = [s.id for s in db.session.scalars(sa.select(PipelineStage))]
        for i in range(n):
            db.session.add(Opportunity(name=f"Extra {i}", stage_id=stages[i % len(stages)], value=Decimal(100 + i),
                                       expected_close_on=date(2026, 1, 1) + timedelta(days=37 * i),
                                       created_at=fixture.utc(2026, 4, 1), closed_at=fixture.utc(2026, 5, 1)))
            db.session.add(Lead(first_name=f"Extra {i}", source=("partner", "social", "import")[i % 3],
                                created_at=fixture.utc(2026, 4, 2)))
            db.session.add(Interaction(kind="email", subject=f"Extra {i}", occurred_at=fixture.utc(2026, 5, 3)))
        db.session.commit()


def test_the_page_reads_a_fixed_number_of_queries(admin_a, acme, org_a):
    admin_a.get(HOME)  # warm: session, identity
    with counted() as first:
        soup_of(admin_a.get(HOME))
    _more_rows(org_a, 30)
    with counted() as second:
        soup = soup_of(admin_a.get(HOME))
    assert len(soup.select("#forecast tbody tr")) > 4
    assert len(first) == len(second)
    # Seven for the figures (headline, forecast, stages, top deals, sources, interactions,
    # members) and the page's own (session, membership, bell).
    dashboard_reads = [s for s in second if any(t in s for t in ("opportunities", "leads", "interactions", "companies"))]
    assert len(dashboard_reads) <= 7, dashboard_reads
    assert len(second) <= 16, second


def test_no_rows_are_loaded_for_the_figures(admin_a, acme, org_a):
    """Only the top deals and recent interactions come back as rows: every other query is an aggregate."""
    with counted() as statements:
        soup_of(admin_a.get(HOME))
    for statement in statements:
        if "FROM opportunities" in statement and "LIMIT" not in statement and "GROUP BY" not in statement:
            assert "count(" in statement.lower() or "sum(" in statement.lower(), statement


@pytest.mark.parametrize("role, sees, hidden", [
    ("Support Agent", ["customers", "recent-interactions"], ["active-leads", "open-opportunities", "win-rate", "forecast", "sources"]),
    ("Marketing Manager", ["customers", "active-leads", "open-opportunities", "sources"], ["recent-interactions"]),
    ("Sales Rep", ["customers", "active-leads", "open-opportunities", "forecast", "sources", "recent-interactions"], []),
])
def test_each_role_sees_the_figures_it_may_see(client, acme, org_a, role, sees, hidden):
    add_member(org_a, "member@acme.example", role)
    client.login("member@acme.example")
    soup = soup_of(client.get(HOME))

    def present(name):
        return soup.find(attrs={"data-figure": name}) is not None or soup.find(id=name) is not None

    assert all(present(name) for name in sees), role
    assert not any(present(name) for name in hidden), role


def test_a_role_without_the_dashboard_is_refused(client, acme, org_a):
    with tenant(org_a):
        db.session.add(Role(name="Leads only", permissions=["leads.view"]))
        db.session.commit()
    add_member(org_a, "leadsonly@acme.example", "Leads only")
    client.login("leadsonly@acme.example")
    assert client.get(HOME).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, acme):
    response = client.get(HOME)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_organizations_member_gets_404(client, acme, org_b):
    client.login("admin@bravo.example")
    assert client.get(HOME).status_code == 404
    assert client.get("/bravo/").status_code == 200
