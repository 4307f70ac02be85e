"""Global search from the top bar: companies, contacts and leads by the start of their name,
email, domain or phone (a prefix, not a substring, since migration 0005; tests/search/ has the
matching itself on both backends)."""

from bs4 import BeautifulSoup

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import Lead
from tenants.context import org_context
from tests.helpers import add_member

DROPDOWN = {"HX-Request": "true", "HX-Target": "global-search-results"}


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _text(response) -> str:
    return " ".join(_soup(response).get_text(" ").split())


def _hits(response) -> dict[str, list[tuple[str, str | None]]]:
    """Section title -> [(title, link)] as the results show them."""
    found = {}
    for section in _soup(response).select(".search-kind"):
        title = section.select_one(".search-kind-title").get_text(strip=True)
        found[title] = [(li.find(["a", "span"]).get_text(strip=True), li.find("a")["href"] if li.find("a") else None)
                        for li in section.select("li")]
    return found


def _records(org):
    """A company, a contact with two emails and a phone, and a lead, in ``org``."""
    with org_context(org.id):
        company = Company(name="Globex Corporation", domain="globex.example", industry="Energy")
        db.session.add(company)
        db.session.flush()
        contact = Contact(first_name="Hank", last_name="Scorpio", company_id=company.id, title="CEO",
                          email="hank@globex.example", phone="+14155550123")
        lead = Lead(first_name="Frank", last_name="Grimes", email="frank.grimes@power.example", phone="+13125550142",
                    company_name="Springfield Power", status="working")
        db.session.add_all([contact, lead])
        db.session.flush()
        db.session.add_all([ContactEmail(contact_id=contact.id, email="hank@globex.example", is_primary=True),
                            ContactEmail(contact_id=contact.id, email="scorpio@volcano.example"),
                            ContactPhone(contact_id=contact.id, number="+14155550123", is_primary=True)])
        db.session.commit()
        return company.id, contact.id, lead.id


def test_finds_records_by_name_email_domain_and_phone(app, admin_a, org_a):
    company, contact, lead = _records(org_a)
    company_hit = [("Globex Corporation", f"/acme/companies/{company}")]
    contact_hit = [("Hank Scorpio", f"/acme/contacts/{contact}")]
    lead_hit = [("Frank Grimes", f"/acme/leads/{lead}")]
    cases = {
        "globex": {"Companies": company_hit, "Contacts": contact_hit},   # name, and the contact's company
        "GLOBEX.EXAMPLE": {"Companies": company_hit, "Contacts": contact_hit},   # domain, the contact's company's
        "hank scorpio": {"Contacts": contact_hit},                        # first and last name together
        "scorpio@volcano": {"Contacts": contact_hit},                     # a second email address
        "(415) 555-0123": {"Contacts": contact_hit},                      # phone digits, any formatting
        "frank.grimes@power": {"Leads": lead_hit},
        "springfield": {"Leads": lead_hit},                               # the lead's company name
        "312 555 0142": {"Leads": lead_hit},
    }
    for q, expected in cases.items():
        response = admin_a.get("/acme/search", query_string={"q": q}, headers=DROPDOWN)
        assert response.status_code == 200
        assert _hits(response) == expected, q


def test_the_dropdown_is_a_fragment_and_the_same_url_is_a_page(app, admin_a, org_a):
    _records(org_a)
    fragment = admin_a.get("/acme/search?q=globex", headers=DROPDOWN)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert _soup(fragment).select_one("a[href='/acme/search?q=globex']").get_text() == "Open these results on a page"
    page = admin_a.get("/acme/search?q=globex")
    assert "<html" in page.get_data(as_text=True)
    assert _soup(page).select_one("#search-q")["value"] == "globex"
    assert set(_hits(page)) == {"Companies", "Contacts"}
    region = admin_a.get("/acme/search?q=globex", headers={"HX-Request": "true", "HX-Target": "search-results"})
    assert _soup(region).select_one("section#search-results") is not None
    assert "<html" not in region.get_data(as_text=True)


def test_the_top_bar_searches_as_you_type(app, admin_a, org_a):
    box = _soup(admin_a.get("/acme/companies/")).select_one(".global-search input[name=q]")
    assert box["hx-get"] == "/acme/search"
    assert "input changed delay:250ms" in box["hx-trigger"]
    assert box["hx-target"] == "#global-search-results"
    assert box.find_parent("form")["action"] == "/acme/search"


def test_empty_and_over_long_queries(app, admin_a, org_a):
    _records(org_a)
    page = admin_a.get("/acme/search?q=")
    assert "Type a name, email address, web domain or phone number to find companies, contacts and leads." in _text(page)
    assert admin_a.get("/acme/search?q=%20%20", headers=DROPDOWN).get_data(as_text=True).strip() == ""
    long = "Globex" + "x" * 200
    page = admin_a.get("/acme/search", query_string={"q": long})
    assert page.status_code == 200
    assert "Only the first 100 characters were searched." in _text(page)
    assert _soup(page).select_one("#search-q")["value"] == long[:100]
    assert f"Nothing matches “{long[:100]}”." in _text(page)


def test_at_most_five_of_each_kind_with_a_link_to_the_list(app, admin_a, org_a):
    with org_context(org_a.id):
        db.session.add_all(Company(name=f"Initech {i}") for i in range(7))
        db.session.commit()
    response = admin_a.get("/acme/search?q=initech", headers=DROPDOWN)
    assert [t for t, _ in _hits(response)["Companies"]] == [f"Initech {i}" for i in range(5)]
    more = _soup(response).select_one(".search-more a[href^='/acme/companies/']")
    assert more["href"] == "/acme/companies/?q=initech"
    assert more.get_text() == "All companies matching “initech”"


def test_names_that_start_with_the_term_come_first(app, admin_a, org_a):
    with org_context(org_a.id):
        # Found by its domain; sorted by name alone it would come first.
        db.session.add_all([Company(name="Raincoats Ltd", domain="umbrella.example"), Company(name="Umbrella Corp"),
                            Company(name="The Umbrella Group")])
        db.session.commit()
    response = admin_a.get("/acme/search?q=umbrella", headers=DROPDOWN)
    # "The Umbrella Group" does not start with the term: a prefix search does not find it.
    assert [t for t, _ in _hits(response)["Companies"]] == ["Umbrella Corp", "Raincoats Ltd"]


def test_wildcards_are_plain_characters(app, admin_a, org_a):
    _records(org_a)
    for q in ("%", "_", "\\"):
        response = admin_a.get("/acme/search", query_string={"q": q}, headers=DROPDOWN)
        assert _hits(response) == {}, q
        assert f"Nothing matches “{q}”." in _text(response)


def test_deleted_and_merged_records_are_not_found(app, admin_a, org_a):
    company, contact, lead = _records(org_a)
    with org_context(org_a.id):
        db.session.get(Company, company).deleted_at = clock.now()
        db.session.get(Lead, lead).deleted_at = clock.now()
        db.session.commit()
    # Neither the company nor its contact through it; the contact itself is still there.
    assert _hits(admin_a.get("/acme/search?q=globex", headers=DROPDOWN)) == {}
    assert set(_hits(admin_a.get("/acme/search?q=hank", headers=DROPDOWN))) == {"Contacts"}
    assert _hits(admin_a.get("/acme/search?q=grimes", headers=DROPDOWN)) == {}


def test_kinds_follow_the_members_permissions(app, client, org_a):
    _records(org_a)
    add_member(org_a, "support@acme.example", "Support Agent")
    client.login("support@acme.example")
    # Support Agents see companies and contacts, not leads (Globex, Hank of Globex, not Frank Grimes).
    response = client.get("/acme/search?q=g", headers=DROPDOWN)
    assert set(_hits(response)) == {"Companies", "Contacts"}
    assert _hits(client.get("/acme/search?q=grimes", headers=DROPDOWN)) == {}
    assert "/leads/" not in client.get("/acme/search?q=frank").get_data(as_text=True)
    page = client.get("/acme/search?q=")
    assert "to find companies and contacts." in _text(page)


def test_never_shows_another_organizations_records(app, admin_a, org_a, org_b):
    _records(org_a)
    ids_b = _records(org_b)
    for q in ("globex", "hank", "grimes", "415 555 0123"):
        html = admin_a.get("/acme/search", query_string={"q": q}).get_data(as_text=True)
        for kind, record_id in zip(("companies", "contacts", "leads"), ids_b):
            assert f"/{kind}/{record_id}\"" not in html
        assert "/bravo/" not in html
    assert admin_a.get("/bravo/search?q=globex").status_code == 404
