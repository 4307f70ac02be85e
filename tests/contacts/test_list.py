"""The contact list: search as you type, filters, sorts, keyset pages, bulk actions, export,
bad input, and a query count that does not grow with the rows shown."""

import csv
import io
import re
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import Contact
from crm.models import ContactTag
from crm.models import Tag
from crm.models import User
from tenants.context import org_context
from tests.contacts.support import HX
from tests.contacts.support import RESULTS
from tests.contacts.support import make_company
from tests.contacts.support import make_contact
from tests.helpers import text_of


def _many(org, count, **fields):
    with org_context(org.id):
        db.session.add_all([Contact(first_name="Person", last_name=f"N{i:03d}", **fields) for i in range(count)])
        db.session.commit()


def _ids(org, *last_names) -> list[str]:
    with org_context(org.id):
        return [str(i) for i in db.session.scalars(sa.select(Contact.id).where(Contact.last_name.in_(last_names)))]


def _names(html: str) -> list[str]:
    return re.findall(r">Person (N\d{3})<", html)


def _rep_id() -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == "sales.rep@acme.example"))


@pytest.fixture
def people(org_a):
    """A small org: two companies, an owner, a tag, emails, phones, preferred methods."""
    navy = make_company(org_a, "US Navy")
    engines = make_company(org_a, "Analytical Engines")
    grace = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example", phone="+14155550100",
                         company_id=navy, owner_id=_rep_id(), preferred_contact_method="phone")
    ada = make_contact(org_a, "Ada", "Lovelace", email="ada@engines.example", phone="+442079460958",
                       company_id=engines, preferred_contact_method="email")
    alan = make_contact(org_a, "Alan", "Turing", email="alan@bletchley.example")
    with org_context(org_a.id):
        tag = Tag(name="Pioneer")
        db.session.add(tag)
        db.session.flush()
        db.session.add_all([ContactTag(contact_id=ada, tag_id=tag.id), ContactTag(contact_id=alan, tag_id=tag.id)])
        db.session.commit()
        tag_id = tag.id
    return {"navy": navy, "engines": engines, "grace": grace, "ada": ada, "alan": alan, "tag": tag_id}


def _shown(client, query: str) -> set[str]:
    response = client.get(f"/acme/contacts/?{query}", headers=RESULTS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    return {name for name in ("Hopper", "Lovelace", "Turing") if f"{name}</a>" in html}


@pytest.mark.parametrize("query, expected", [
    ("q=grace", {"Hopper"}),
    ("q=ada+love", {"Lovelace"}),
    ("q=ADA@ENGINES", {"Lovelace"}),
    ("q=analytical", {"Lovelace"}),
    ("q=us+navy", {"Hopper"}),            # the company "US Navy": the start of a field, not a word in it
    ("q=(415)+555", {"Hopper"}),
    ("q=%2B44+20", {"Lovelace"}),
    ("q=100%25", set()),
    ("q=_", set()),
    ("owner=none", {"Lovelace", "Turing"}),
    ("method=email", {"Lovelace"}),
    ("method=phone", {"Hopper"}),
])
def test_search_and_filters(admin_a, people, query, expected):
    assert _shown(admin_a, query) == expected


def test_company_owner_and_tag_filters(admin_a, people):
    assert _shown(admin_a, f"company={people['navy']}") == {"Hopper"}
    assert _shown(admin_a, f"owner={_rep_id()}") == {"Hopper"}
    assert _shown(admin_a, f"tag={people['tag']}") == {"Lovelace", "Turing"}
    assert _shown(admin_a, f"tag={people['tag']}&company={people['engines']}&q=ada") == {"Lovelace"}


def test_the_list_page_and_its_url_state(admin_a, people):
    page = admin_a.get(f"/acme/contacts/?q=ada&company={people['engines']}&sort=-created_at")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "HX-Request" in page.headers["Vary"]
    assert 'value="ada"' in html and re.search(rf'<option value="{people["engines"]}"\s+selected>', html)
    assert f"export.csv?q=ada&amp;sort=-created_at&amp;company={people['engines']}" in html
    assert "+44 20 7946 0958" in text_of(page)


@pytest.mark.parametrize("query, notice", [
    ("sort=nonexistent", "Cannot sort by"),
    ("sort=-password_hash", "Cannot sort by"),
    ("method=pigeon", "Ignored the preferred contact method filter"),
    ("owner=abc", "Ignored the owner filter"),
    ("tag=99999999", "Ignored the tag filter"),
    ("company=abc", "Ignored the company filter"),
    ("company=99999999", "Ignored the company filter"),
    ("company=" + "9" * 40, "Ignored the company filter"),
    ("after=not-a-cursor", "out of date"),
    ("after=WyJ4IiwgInkiXQ", "out of date"),
    ("before=%00%01", "out of date"),
    ("sort=last_contacted&after=WyJub3QgYSBkYXRlIiwgMV0", "out of date"),
    ("per_page=1000000", ""),
    ("q=" + "x" * 10_000, ""),
])
def test_bad_list_input_falls_back_with_a_notice_never_a_500(admin_a, org_a, query, notice):
    _many(org_a, 3)
    response = admin_a.get(f"/acme/contacts/?{query}")
    assert response.status_code == 200
    assert notice in text_of(response)
    assert "3 contacts" in text_of(response) or "q=" in query


def test_a_company_or_tag_of_another_organization_is_not_a_filter(admin_a, org_a, org_b):
    foreign_company = make_company(org_b, "Bravo Secret")
    with org_context(org_b.id):
        tag = Tag(name="theirs")
        db.session.add(tag)
        db.session.commit()
        foreign_tag = tag.id
    _many(org_a, 2)
    response = admin_a.get(f"/acme/contacts/?company={foreign_company}&tag={foreign_tag}")
    body = text_of(response)
    assert response.status_code == 200 and "Ignored the company filter" in body and "Ignored the tag filter" in body
    assert "2 contacts" in body and "Bravo Secret" not in body
    bulk = admin_a.post("/acme/contacts/bulk", headers=HX,
                        data={"action": "tag", "tag_id": str(foreign_tag), "ids": _ids(org_a, "N000")})
    assert bulk.status_code == 422 and "Pick a tag" in text_of(bulk)


@pytest.mark.parametrize("sort", ["name", "-name", "created_at", "-created_at", "last_contacted", "-last_contacted"])
def test_keyset_pages_walk_the_whole_list_without_gaps_or_repeats(admin_a, org_a, sort):
    _many(org_a, 60)
    with org_context(org_a.id):
        base = datetime(2025, 1, 1, tzinfo=timezone.utc)
        for contact in db.session.scalars(sa.select(Contact)):
            number = int(contact.last_name[1:])
            # A third never contacted (NULL), the rest at a few shared times: ties are broken by id.
            contact.last_contacted_at = None if number % 3 == 0 else base + timedelta(days=number % 4)
        db.session.commit()
    seen, url = [], f"/acme/contacts/?per_page=25&sort={sort}"
    for _ in range(5):
        html = admin_a.get(url, headers=RESULTS).get_data(as_text=True)
        seen += _names(html)
        match = re.search(r'href="([^"]*after=[^"]*)"', html)
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
    assert sorted(seen) == [f"N{i:03d}" for i in range(60)] and len(seen) == 60
    if sort == "name":
        assert seen == [f"N{i:03d}" for i in range(60)]
    if sort == "-last_contacted":
        assert all(int(n[1:]) % 3 == 0 for n in seen[-20:]), "never contacted last"
    html = admin_a.get(url, headers=RESULTS).get_data(as_text=True)
    back = re.search(r'href="([^"]*before=[^"]*)"', html).group(1).replace("&amp;", "&")
    assert _names(admin_a.get(back, headers=RESULTS).get_data(as_text=True)) == seen[25:50]


def test_bulk_assign_tag_and_delete_with_undo(admin_a, org_a):
    _many(org_a, 4)
    ids = _ids(org_a, "N000", "N001", "N002")
    with org_context(org_a.id):
        tag = Tag(name="Key contact")
        db.session.add(tag)
        db.session.commit()
        tag_id = tag.id
    assigned = admin_a.post("/acme/contacts/bulk", headers=HX, data={"action": "assign", "owner_id": str(_rep_id()), "ids": ids})
    assert assigned.status_code == 200 and "Owner set on 3 contacts" in assigned.headers["HX-Trigger"]
    assert "records-changed" in assigned.headers["HX-Trigger"]
    assert "3 contacts" in text_of(admin_a.get(f"/acme/contacts/?owner={_rep_id()}", headers=RESULTS))
    for _ in range(2):
        tagged = admin_a.post("/acme/contacts/bulk", headers=HX, data={"action": "tag", "tag_id": str(tag_id), "ids": ids})
        assert "Tagged 3 contacts" in tagged.headers["HX-Trigger"]
    listing = text_of(admin_a.get(f"/acme/contacts/?tag={tag_id}", headers=RESULTS))
    assert "3 contacts" in listing and "Key contact" in listing
    deleted = admin_a.post("/acme/contacts/bulk", headers=HX, data={"action": "delete", "ids": ids})
    assert "Deleted 3 contacts" in deleted.headers["HX-Trigger"]
    undo = re.search(r'"undo": "([^"]+)"', deleted.headers["HX-Trigger"]).group(1)
    assert "1 contact" in text_of(admin_a.get("/acme/contacts/", headers=RESULTS))
    restored = admin_a.post(undo, headers=HX)
    assert "Restored 3 contacts" in restored.headers["HX-Trigger"]
    assert "4 contacts" in text_of(admin_a.get("/acme/contacts/", headers=RESULTS))
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactTag)) == 3


def test_bulk_delete_without_javascript_flashes_an_undo_button(admin_a, org_a):
    _many(org_a, 2)
    response = admin_a.post("/acme/contacts/bulk", data={"action": "delete", "ids": _ids(org_a, "N000")})
    assert response.status_code == 303
    html = admin_a.get(response.location).get_data(as_text=True)
    assert "Deleted 1 contact" in html and "bulk-restore" in html


@pytest.mark.parametrize("data, message", [
    ({"action": "delete"}, "Tick at least one contact"),
    ({"action": "assign", "ids": ["abc", "9" * 40]}, "Tick at least one contact"),
    ({"action": "explode", "ids": ["1"]}, "Choose what to do"),
    ({"action": "assign", "owner_id": "999999", "ids": ["1"]}, "not an active member"),
    ({"action": "tag", "tag_id": "x", "ids": ["1"]}, "Pick a tag"),
])
def test_bad_bulk_input_says_what_is_wrong(admin_a, org_a, data, message):
    response = admin_a.post("/acme/contacts/bulk", headers=HX, data=data)
    assert response.status_code == 422 and message in text_of(response)


def test_export_has_the_filtered_rows_and_neutralises_formulas(admin_a, org_a):
    company = make_company(org_a, "=HYPERLINK(\"http://evil\")")
    for last in ("=SUM(A1)", "+1 Cola", "-minus", "@at", "Plain"):
        make_contact(org_a, "\tTab", last, title="=cmd|' /C calc'!A0", company_id=company, email=f"x{len(last)}@ex.example")
    make_contact(org_a, "Other", "Filtered-out", phone="+14155550100")
    response = admin_a.get("/acme/contacts/export.csv?q=x")  # the emails x…@ex.example
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["First name", "Last name", "Title"]
    assert {r[1] for r in rows[1:]} == {"'=SUM(A1)", "'+1 Cola", "'-minus", "'@at", "Plain"}
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows[1:] for cell in row)
    assert rows[1][3] == "'=HYPERLINK(\"http://evil\")"
    everything = admin_a.get("/acme/contacts/export.csv").get_data(as_text=True)
    assert "Filtered-out" in everything and "'+14155550100" in everything


def _count_queries(fn) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_list_queries_do_not_grow_with_the_number_of_rows(admin_a, org_a):
    rep = _rep_id()
    company = make_company(org_a, "Navy")

    def add(start, count):
        with org_context(org_a.id):
            tag = db.session.scalar(sa.select(Tag)) or Tag(name="Hot")
            db.session.add(tag)
            for i in range(start, start + count):
                contact = Contact(first_name="Person", last_name=f"N{i:03d}", owner_id=rep, company_id=company,
                                  email=f"p{i}@navy.example", phone="+14155550100")
                db.session.add(contact)
                db.session.flush()
                db.session.add(ContactTag(contact_id=contact.id, tag_id=tag.id))
            db.session.commit()

    add(0, 3)
    small = _count_queries(lambda: admin_a.get("/acme/contacts/?per_page=100"))
    add(3, 97)
    large = _count_queries(lambda: admin_a.get("/acme/contacts/?per_page=100"))
    html = admin_a.get("/acme/contacts/?per_page=100").get_data(as_text=True)
    assert len(_names(html)) == 100
    assert small == large, f"{small} queries for 3 rows, {large} for 100"
    searched = _count_queries(lambda: admin_a.get("/acme/contacts/?per_page=100&q=navy&sort=-last_contacted", headers=RESULTS))
    assert searched <= large
