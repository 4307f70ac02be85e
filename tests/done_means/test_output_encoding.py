"""Output encoding, the parts tests/test_output_encoding.py leaves implicit or out.

That walk stores hostile text in the free-text fields and fetches every page. Here: the
fields it fills with valid values or leaves alone (emails, phone numbers, the short coded
fields a CSV import or an old row could fill with anything, tag colours, custom field
names); each page and fragment the issue names, asked for by name and required to show
the hostile text as text; the global search dropdown with hostile records in its hits;
and the CSV exports, which must be data for a spreadsheet, never a page for a browser.
"""

import csv
import io
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadScore
from crm.models import Organization
from crm.models import Tag
from crm.models import Task
from tenants.context import org_context
from tests.done_means.support import ENTITIES
from tests.test_output_encoding import PAYLOADS
from tests.test_output_encoding import Walk
from tests.test_output_encoding import _report
from tests.test_output_encoding import _store_hostile_records
from tests.test_output_encoding import _walk
from tests.test_output_encoding import hostile

# Short enough for the coded columns (String(1) to String(20)), each able to break out of
# an attribute or open an element if it were written unescaped.
SHORT = {1: "<", 7: '" onx=1', 10: '" onload=', 12: '"><script>', 20: '"><svg onload=1>'}
DROPDOWN = {"HX-Request": "true", "HX-Target": "global-search-results"}


def _short(length: int) -> str:
    return SHORT[max(k for k in SHORT if k <= length)]


def _store_hostile_codes(org) -> None:
    """Hostile text in the fields the shared walk keeps valid: coded values, emails, phones, colours."""
    with org_context(org.id):
        for company in db.session.scalars(sa.select(Company)):
            company.size_band = company.segment = company.tier = company.lifecycle_stage = _short(20)
            company.custom_fields = {hostile(60, 1): hostile(60, 2)}
        for i, contact in enumerate(db.session.scalars(sa.select(Contact))):
            contact.email, contact.phone = hostile(254, i), _short(20)
            contact.preferred_contact_method = _short(10)
        for row in db.session.scalars(sa.select(ContactEmail)):
            row.email, row.kind = hostile(254, 3), _short(10)
        for row in db.session.scalars(sa.select(ContactPhone)):
            row.number, row.kind = _short(20), _short(10)
        for i, lead in enumerate(db.session.scalars(sa.select(Lead))):
            lead.email, lead.phone, lead.source = hostile(254, i + 4), _short(20), _short(20)
            lead.status = _short(12)
            lead.scoring = lead.scoring or LeadScore(fit=0, engagement=0, activity=0, total=0)
            lead.scoring.grade = _short(1)
            lead.custom_fields = {hostile(60, 5): "x"}
        for row in db.session.scalars(sa.select(Interaction)):
            row.kind, row.sentiment = _short(10), _short(10)
        for row in db.session.scalars(sa.select(Task)):
            row.priority = _short(10)
        for row in db.session.scalars(sa.select(Tag)):
            row.colour = _short(7)
        for row in db.session.scalars(sa.select(ActivityEvent)):
            row.kind = hostile(40, 6)
        db.session.commit()


@pytest.fixture
def hostile_ids(app, org_a):
    return _store_hostile_records(db.session.get(Organization, org_a.id))


def _check(walk: Walk, client, url: str, headers: dict | None = None) -> BeautifulSoup:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, headers, response.status_code)
    assert response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    walk.check(f"GET {url} {headers or ''}", soup)
    return soup


def _shows_hostile_text(soup) -> bool:
    text = soup.get_text(" ")
    return any(p in text for p in PAYLOADS)


def _hostile_record(org, model) -> tuple[int, str]:
    """A record of ``model`` with hostile text in its name and timeline, and the start of that name."""
    column = Company.name if model is Company else model.first_name
    link = {Company: ActivityEvent.company_id, Contact: ActivityEvent.contact_id, Lead: ActivityEvent.lead_id}[model]
    with org_context(org.id):
        record_id, name = db.session.execute(
            sa.select(model.id, column).where(model.id.in_(sa.select(link))).order_by(model.id).limit(1)).one()
    return record_id, name


def test_hostile_codes_emails_phones_and_colours_never_come_back_as_markup(app, client, org_a, hostile_ids):
    _store_hostile_codes(org_a)
    assert client.login("admin@acme.example").status_code == 302
    walk = _walk(app, client, org_a, hostile_ids, hostile_queries=False)
    assert not walk.problems, _report(walk)
    assert len(walk.checked) > 60
    record_pages = [f"GET /acme/{plural}/{hostile_ids[key]} " for plural, key in
                    (("companies", "company_id"), ("contacts", "contact_id"), ("leads", "lead_id"))]
    for must in record_pages + ["GET /acme/companies/ ", "GET /acme/contacts/ ", "GET /acme/leads/ "]:
        assert any(label.startswith(must) for label in walk.checked), must
    # The coded values were on the pages, as text.
    for plural, model in (("companies", Company), ("contacts", Contact), ("leads", Lead)):
        record_id, _name = _hostile_record(org_a, model)
        text = BeautifulSoup(client.get(f"/acme/{plural}/{record_id}").get_data(as_text=True), "lxml").get_text(" ")
        assert _short(20) in text or _short(10) in text, plural


def test_each_page_and_fragment_the_issue_names_shows_hostile_text_as_text(app, client, org_a, hostile_ids):
    assert client.login("admin@acme.example").status_code == 302
    walk = Walk(client, org_a.slug)
    hx = {"HX-Request": "true"}
    pages = [("/acme/activity/tasks/mine", None), ("/acme/activity/tasks/mine", hx),          # my tasks
             ("/acme/activity/tags", None), ("/acme/activity/tags", hx)]                      # tag names
    for plural, model in (("companies", Company), ("contacts", Contact), ("leads", Lead)):
        record, _name = _hostile_record(org_a, model)
        pages += [(f"/acme/activity/{plural}/{record}/timeline", None), (f"/acme/activity/{plural}/{record}/timeline", hx),
                  (f"/acme/activity/{plural}/{record}/activity", hx),                      # panel, record tags
                  (f"/acme/{plural}/{record}", None), (f"/acme/{plural}/{record}/details", hx),
                  (f"/acme/{plural}/{record}/edit", hx),
                  (f"/acme/{plural}/", None), (f"/acme/{plural}/", {"HX-Request": "true", "HX-Target": "results"})]
    quiet = []
    for url, headers in pages:
        if not _shows_hostile_text(_check(walk, client, url, headers)):
            quiet.append((url, headers))
    assert not walk.problems, _report(walk)
    assert not quiet, f"these showed none of the hostile text, so they proved nothing: {quiet}"
    # The saved views menu of each list names the hostile views, as text.
    for entity in ENTITIES:
        menu = _check(walk, client, f"/acme/{entity}/").select(".saved-views-list li > a")
        assert any(p in a.get_text() for a in menu for p in PAYLOADS), entity
    assert not walk.problems, _report(walk)


@pytest.mark.parametrize("entity", ENTITIES)
def test_the_global_search_dropdown_and_page_show_hostile_hits_as_text(app, client, org_a, hostile_ids, entity):
    record_id, name = _hostile_record(org_a, {"companies": Company, "contacts": Contact, "leads": Lead}[entity])
    assert client.login("admin@acme.example").status_code == 302
    walk = Walk(client, org_a.slug)
    q = urlencode({"q": name[:12]})
    for headers in (DROPDOWN, {"HX-Request": "true", "HX-Target": "search-results"}, None):
        soup = _check(walk, client, f"/acme/search?{q}", headers)
        hits = {a["href"] for a in soup.find_all("a", href=True)}
        assert f"/acme/{entity}/{record_id}" in hits, (name[:12], headers, "the hostile record is found")
        assert _shows_hostile_text(soup), headers
    assert not walk.problems, _report(walk)


@pytest.mark.parametrize("entity", ENTITIES)
def test_a_csv_export_is_data_for_a_spreadsheet_never_a_page(app, client, org_a, hostile_ids, entity):
    assert client.login("admin@acme.example").status_code == 302
    response = client.get(f"/acme/{entity}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "html" not in response.content_type
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff") and not body.lstrip("\ufeff").lstrip().startswith("<")
    cells = [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"), newline="")) for cell in row]
    # The text is kept as it was typed (a spreadsheet does not read HTML entities) ...
    assert any("<script>alert(1)</script>" in cell for cell in cells)
    assert not any("&lt;" in cell or "&#" in cell for cell in cells)
    # ... and no cell starts a formula.
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_the_lists_put_only_palette_colours_in_tag_styles(admin_a, org_a):
    """A colour stored around the form (an import, SQL) never reaches a style attribute as CSS."""
    from crm.models import CompanyTag
    from crm.models import LeadTag
    from crm.models.tags import TAG_COLOURS
    from tests.done_means.support import make_records
    from tests.done_means.support import tenant

    ids = make_records(org_a, "Tagged")
    with tenant(org_a) as s:
        tag = s.get(Tag, ids["tag"])
        tag.colour = "0;all:0"
        s.add_all([CompanyTag(company_id=ids["companies"], tag_id=tag.id), LeadTag(lead_id=ids["leads"], tag_id=tag.id)])
        s.commit()
    for entity in ("companies", "leads"):
        soup = BeautifulSoup(admin_a.get(f"/acme/{entity}/").get_data(as_text=True), "lxml")
        styles = [e["style"] for e in soup.find_all(style=True) if "--tag" in e["style"]]
        assert styles, entity
        assert all(style.split(":", 1)[1].strip() in TAG_COLOURS for style in styles), (entity, styles)
