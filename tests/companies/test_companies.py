"""Companies: what a sales rep notices on the list, the record page, and in exports."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import CompanyTag
from crm.models import Tag
from crm.models import User
from tenants.context import org_context
from tests.helpers import text_of
from tests.helpers import counted

HX = {"HX-Request": "true"}
RESULTS = {"HX-Request": "true", "HX-Target": "results"}


def _create(client, **fields):
    data = {"name": "Initech", "lifecycle_stage": "lead", **fields}
    return client.post("/acme/companies/", data=data)


def _company(org, name) -> Company | None:
    """A detached snapshot: requests expire the test's session, and reloading the row outside
    its organization would (rightly) find nothing on PostgreSQL."""
    with org_context(org.id):
        company = db.session.scalar(sa.select(Company).where(Company.name == name))
        if company is not None:
            db.session.expunge(company)
        return company


def _events(org, company_id) -> list[str]:
    with org_context(org.id):
        return db.session.scalars(sa.select(ActivityEvent.kind).where(ActivityEvent.company_id == company_id)
                                  .order_by(ActivityEvent.id)).all()


def test_create_normalises_the_domain_and_opens_the_company(admin_a, org_a):
    response = _create(admin_a, domain="https://www.Initech.com/about", city="Austin")
    assert response.status_code == 303
    company = _company(org_a, "Initech")
    assert response.location.endswith(f"/acme/companies/{company.id}")
    assert company.domain == "initech.com" and company.city == "Austin"
    assert _events(org_a, company.id) == ["created"]


@pytest.mark.parametrize("fields, message", [
    ({"name": ""}, "Enter the company name"),
    ({"name": "x" * 201}, "200 characters or fewer"),
    ({"domain": "not a domain"}, "Enter a domain like example.com"),
    ({"lifecycle_stage": "bogus"}, "from the list"),
    ({"size_band": "huge"}, "from the list"),
    ({"owner_id": "999999"}, "not an active member"),
    ({"owner_id": "abc"}, "Pick an owner"),
    ({"postal_code": "1" * 21}, "20 characters or fewer"),
])
def test_invalid_company_is_refused_with_a_message_and_nothing_written(admin_a, org_a, fields, message):
    response = _create(admin_a, **fields)
    assert response.status_code == 422
    assert message in text_of(response)
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_a_member_of_another_organization_cannot_own_a_company(admin_a, org_a, org_b):
    stranger = db.session.scalar(sa.select(User.id).where(User.email == "admin@bravo.example"))
    response = _create(admin_a, owner_id=str(stranger))
    assert response.status_code == 422 and "not an active member" in text_of(response)


def test_inline_edit_saves_and_shows_the_details_again(admin_a, org_a):
    _create(admin_a)
    company = _company(org_a, "Initech")
    form = admin_a.get(f"/acme/companies/{company.id}/edit", headers=HX)
    assert form.status_code == 200 and 'name="name"' in form.get_data(as_text=True)
    response = admin_a.post(f"/acme/companies/{company.id}", headers=HX,
                            data={"name": "Initech Inc", "lifecycle_stage": "customer", "industry": "Software"})
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True) and "Software" in text_of(response)
    assert "Company saved" in response.headers["HX-Trigger"]
    assert _company(org_a, "Initech Inc").lifecycle_stage == "customer"
    assert _events(org_a, company.id)[-1] == "updated"


def test_inline_edit_with_bad_input_returns_the_form_with_422(admin_a, org_a):
    _create(admin_a)
    company = _company(org_a, "Initech")
    response = admin_a.post(f"/acme/companies/{company.id}", headers=HX, data={"name": "", "lifecycle_stage": "lead"})
    assert response.status_code == 422 and "Enter the company name" in text_of(response)
    assert 'name="name"' in response.get_data(as_text=True)
    assert _company(org_a, "Initech") is not None


def test_delete_hides_the_company_and_undo_brings_it_back(admin_a, org_a):
    _create(admin_a)
    company = _company(org_a, "Initech")
    response = admin_a.post(f"/acme/companies/{company.id}/delete", headers=HX)
    assert response.status_code == 200
    assert "/restore" in response.headers["HX-Trigger"]
    assert "Initech" not in text_of(admin_a.get("/acme/companies/", headers=RESULTS))
    assert admin_a.get(f"/acme/companies/{company.id}/details").status_code == 404
    restored = admin_a.post(f"/acme/companies/{company.id}/restore", headers=HX)
    assert restored.status_code == 200
    assert "Initech" in text_of(admin_a.get("/acme/companies/", headers=RESULTS))
    assert _events(org_a, company.id)[-2:] == ["deleted", "restored"]


def test_undo_is_refused_long_after_the_delete(admin_a, org_a):
    _create(admin_a)
    company = _company(org_a, "Initech")
    admin_a.post(f"/acme/companies/{company.id}/delete")
    clock.travel(timedelta(hours=1))
    response = admin_a.post(f"/acme/companies/{company.id}/restore")
    assert response.status_code == 410 and "too long ago" in text_of(response)


def test_delete_without_javascript_redirects_with_an_undo_button(admin_a, org_a):
    _create(admin_a)
    company = _company(org_a, "Initech")
    response = admin_a.post(f"/acme/companies/{company.id}/delete")
    assert response.status_code == 303
    page = admin_a.get(response.location)
    assert "Deleted Initech" in text_of(page) and f"/companies/{company.id}/restore" in page.get_data(as_text=True)


def _many(client, count):
    for i in range(count):
        _create(client, name=f"Company {i:03d}", lifecycle_stage="customer" if i % 3 == 0 else "lead")


def test_search_filter_sort_and_pages_follow_the_url(admin_a, org_a):
    _many(admin_a, 60)
    response = admin_a.get("/acme/companies/?lifecycle_stage=customer&sort=-name&per_page=25", headers=RESULTS)
    body = text_of(response)
    assert "20 companies" in body and "<html" not in response.get_data(as_text=True)
    names = re.findall(r"Company (\d{3})", body)
    assert names[:3] == ["057", "054", "051"]
    assert response.headers["Vary"] and "HX-Request" in response.headers["Vary"]
    full = admin_a.get("/acme/companies/?q=company 00")
    assert "<html" in full.get_data(as_text=True) and "10 companies" in text_of(full)


def test_keyset_pages_walk_the_whole_list_without_gaps_or_repeats(admin_a, org_a):
    _many(admin_a, 60)
    seen, url = [], "/acme/companies/?per_page=25"
    for _ in range(5):
        html = admin_a.get(url, headers=RESULTS).get_data(as_text=True)
        seen += re.findall(r">Company (\d{3})<", html)
        match = re.search(r'href="([^"]*after=[^"]*)"', html)
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
    assert seen == [f"{i:03d}" for i in range(60)]
    html = admin_a.get(url, headers=RESULTS).get_data(as_text=True)
    back = re.search(r'href="([^"]*before=[^"]*)"', html).group(1).replace("&amp;", "&")
    previous = re.findall(r">Company (\d{3})<", admin_a.get(back, headers=RESULTS).get_data(as_text=True))
    assert previous == [f"{i:03d}" for i in range(25, 50)]


@pytest.mark.parametrize("query, notice", [
    ("sort=nonexistent", "Cannot sort by"),
    ("lifecycle_stage=planet", "Ignored the lifecycle stage filter"),
    ("owner=abc", "Ignored the owner filter"),
    ("tag=99999999", "Ignored the tag filter"),
    ("after=not-a-cursor", "out of date"),
    ("after=WyJ4IiwgInkiXQ", "out of date"),
    ("per_page=1000000", ""),
    ("q=" + "x" * 10_000, ""),
])
def test_bad_list_input_falls_back_with_a_notice_never_a_500(admin_a, org_a, query, notice):
    _many(admin_a, 3)
    response = admin_a.get(f"/acme/companies/?{query}")
    assert response.status_code == 200
    assert notice in text_of(response)


def test_a_tag_of_another_organization_is_not_a_filter_or_a_bulk_tag(admin_a, org_a, org_b):
    with org_context(org_b.id):
        foreign = Tag(name="theirs")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    _many(admin_a, 2)
    response = admin_a.get(f"/acme/companies/?tag={foreign_id}")
    assert response.status_code == 200 and "Ignored the tag filter" in text_of(response)
    ids = [str(_company(org_a, "Company 000").id)]
    bulk = admin_a.post("/acme/companies/bulk", headers=HX, data={"action": "tag", "tag_id": str(foreign_id), "ids": ids})
    assert bulk.status_code == 422 and "Pick a tag" in text_of(bulk)
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CompanyTag)) == 0


def test_bulk_assign_tag_and_delete_with_undo(admin_a, org_a):
    _many(admin_a, 4)
    with org_context(org_a.id):
        ids = [str(i) for i in db.session.scalars(sa.select(Company.id).order_by(Company.name).limit(3))]
        tag = Tag(name="Key account")
        db.session.add(tag)
        db.session.commit()
        tag_id = tag.id
    rep = db.session.scalar(sa.select(User.id).where(User.email == "sales.rep@acme.example"))
    assigned = admin_a.post("/acme/companies/bulk", headers=HX, data={"action": "assign", "owner_id": str(rep), "ids": ids})
    assert assigned.status_code == 200 and "Owner set on 3 companies" in assigned.headers["HX-Trigger"]
    admin_a.post("/acme/companies/bulk", headers=HX, data={"action": "tag", "tag_id": str(tag_id), "ids": ids})
    admin_a.post("/acme/companies/bulk", headers=HX, data={"action": "tag", "tag_id": str(tag_id), "ids": ids})
    listing = text_of(admin_a.get(f"/acme/companies/?tag={tag_id}", headers=RESULTS))
    assert "3 companies" in listing and "Key account" in listing
    deleted = admin_a.post("/acme/companies/bulk", headers=HX, data={"action": "delete", "ids": ids})
    undo = re.search(r'"undo": "([^"]+)"', deleted.headers["HX-Trigger"]).group(1)
    assert "1 company" in text_of(admin_a.get("/acme/companies/", headers=RESULTS))
    admin_a.post(undo, headers=HX)
    assert "4 companies" in text_of(admin_a.get("/acme/companies/", headers=RESULTS))
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CompanyTag)) == 3


def test_bulk_delete_without_javascript_shows_an_undo_button(admin_a, org_a):
    _many(admin_a, 2)
    company_id = _company(org_a, "Company 000").id
    response = admin_a.post("/acme/companies/bulk", data={"action": "delete", "ids": [str(company_id)]})
    page = admin_a.get(response.location)
    assert "Deleted 1 company" in text_of(page)
    assert f"/acme/companies/bulk-restore?ids={company_id}" in page.get_data(as_text=True)


def test_delete_tells_the_lists_on_the_page_to_reload(admin_a, org_a):
    _create(admin_a)
    company = _company(org_a, "Initech")
    response = admin_a.post(f"/acme/companies/{company.id}/delete", headers=HX)
    assert "records-changed" in response.headers["HX-Trigger"]


def test_the_bulk_bar_offers_tags_only_when_there_are_some(admin_a, org_a):
    _many(admin_a, 1)
    assert "Add tag" not in text_of(admin_a.get("/acme/companies/"))
    with org_context(org_a.id):
        db.session.add(Tag(name="Key account"))
        db.session.commit()
    assert "Add tag" in text_of(admin_a.get("/acme/companies/"))


def test_bulk_action_with_nothing_ticked_says_so(admin_a, org_a):
    response = admin_a.post("/acme/companies/bulk", headers=HX, data={"action": "delete"})
    assert response.status_code == 422 and "Tick at least one company" in text_of(response)


def test_export_has_the_filtered_rows_and_neutralises_formulas(admin_a, org_a):
    for name in ("=HYPERLINK(\"http://evil\")", "+1 Cola", "-minus", "@at", "Plain"):
        _create(admin_a, name=name, industry="=cmd|' /C calc'!A0")
    response = admin_a.get("/acme/companies/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Name"
    assert {r[0] for r in rows[1:]} == {"'=HYPERLINK(\"http://evil\")", "'+1 Cola", "'-minus", "'@at", "Plain"}
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows[1:] for cell in row)
    filtered = admin_a.get("/acme/companies/export.csv?q=%2B1").get_data(as_text=True)  # "+1 Cola"
    assert "Cola" in filtered and "Plain" not in filtered


def test_neutralize_covers_every_formula_start():
    from crm.services.export import neutralize

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralize(start + "1+1") == "'" + start + "1+1"
    assert neutralize("ok=1") == "ok=1" and neutralize(None) == "" and neutralize(-5) == "'-5"


def _count_queries(app, fn) -> int:
    with counted() as statements:
        fn()
    return len(statements)


def test_list_queries_do_not_grow_with_the_page_size(app, admin_a, org_a):
    _many(admin_a, 3)
    rep = db.session.scalar(sa.select(User.id).where(User.email == "sales.rep@acme.example"))
    with org_context(org_a.id):
        tag = Tag(name="Hot")
        db.session.add(tag)
        db.session.flush()
        for company in db.session.scalars(sa.select(Company)):
            company.owner_id = rep
            db.session.add(CompanyTag(company_id=company.id, tag_id=tag.id))
        db.session.commit()
    small = _count_queries(app, lambda: admin_a.get("/acme/companies/?per_page=25"))
    _many(admin_a, 97)
    with org_context(org_a.id):
        for company in db.session.scalars(sa.select(Company)):
            company.owner_id = rep
            if company.id > 3:
                db.session.add(CompanyTag(company_id=company.id, tag_id=tag.id))
        db.session.commit()
    large = _count_queries(app, lambda: admin_a.get("/acme/companies/?per_page=100"))
    assert small == large, f"{small} queries for 3 rows, {large} for 100"


@pytest.mark.parametrize("email, can_view, can_edit", [
    ("sales.rep@acme.example", True, True),
    ("marketing.manager@acme.example", True, False),
])
def test_permissions_per_role(client, org_a, email, can_view, can_edit):
    client.login(email)
    assert (client.get("/acme/companies/").status_code == 200) == can_view
    created = client.post("/acme/companies/", data={"name": "Rolecheck", "lifecycle_stage": "lead"})
    assert (created.status_code == 303) == can_edit
    if not can_edit:
        assert created.status_code == 403


def test_a_role_without_companies_view_gets_403(client, org_a):
    from tests.helpers import add_member

    add_member(org_a, "support@acme.example", "Support Agent")
    client.login("support@acme.example")
    with org_context(org_a.id):
        from crm.models import Role

        role = db.session.scalar(sa.select(Role).where(Role.name == "Support Agent"))
        role.permissions = [p for p in role.permissions if p != "companies.view"]
        db.session.commit()
    assert client.get("/acme/companies/").status_code == 403


def test_sales_rep_cannot_delete(client, org_a, admin_a):
    _create(admin_a)
    company_id = _company(org_a, "Initech").id
    client.post("/logout")
    rep = admin_a.application.test_client()
    rep.login("sales.rep@acme.example")
    assert rep.post(f"/acme/companies/{company_id}/delete").status_code == 403
    assert rep.post("/acme/companies/bulk", data={"action": "delete", "ids": [str(company_id)]}).status_code == 403


def test_the_sort_travels_with_the_results_so_a_later_search_keeps_it(admin_a, org_a):
    _many(admin_a, 3)
    html = admin_a.get("/acme/companies/?sort=-created_at", headers=RESULTS).get_data(as_text=True)
    assert re.search(r'<input type="hidden" form="list-form" name="sort" value="-created_at">', html)
    page = admin_a.get("/acme/companies/").get_data(as_text=True)
    assert page.count('name="sort"') == 1, "one sort field, inside #results"


def test_editing_without_javascript_saves_and_returns_to_the_company(admin_a, org_a):
    _create(admin_a)
    company = _company(org_a, "Initech")
    response = admin_a.post(f"/acme/companies/{company.id}", data={"name": "Initech", "lifecycle_stage": "customer"})
    assert response.status_code == 303 and response.location.endswith(f"/acme/companies/{company.id}")
    page = admin_a.get(response.location)
    assert page.status_code == 200 and "Company saved." in text_of(page)
